import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { synthFloeStack } from './stack-fixture.js';

type Resources = Record<string, { Type: string; Properties: Record<string, any> }>;

describe('FloeStack template (default configuration)', () => {
  let template: Template;
  let resources: Resources;
  const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
  const logicalIdOf = (type: string, where: (props: Record<string, any>) => boolean) => {
    const found = ofType(type).filter(([, r]) => where(r.Properties ?? {}));
    expect(found, `exactly one ${type}`).toHaveLength(1);
    return found[0]![0];
  };

  beforeAll(() => {
    template = synthFloeStack({ routesFile: 'test/infra/fixtures/routes.yaml' }).template;
    resources = template.toJSON().Resources as Resources;
  });

  it('has a versioned, encrypted, private, TLS-only, access-logged landing bucket with a lifecycle for error reports', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      VersioningConfiguration: { Status: 'Enabled' },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LoggingConfiguration: { DestinationBucketName: Match.anyValue() },
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({ Prefix: '_floe/errors/', ExpirationInDays: 90, Status: 'Enabled' }),
        ]),
      },
    });
    // Every bucket denies non-TLS access.
    const policies = ofType('AWS::S3::BucketPolicy');
    expect(policies).toHaveLength(2);
    for (const [, policy] of policies) {
      expect(policy.Properties.PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
    }
  });

  it('sends ObjectCreated events under the landing prefix to the landed queue', () => {
    const landed = logicalIdOf('AWS::SQS::Queue', (p) => !p.FifoQueue && p.RedrivePolicy !== undefined);
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      NotificationConfiguration: {
        QueueConfigurations: [
          {
            Events: ['s3:ObjectCreated:*'],
            QueueArn: { 'Fn::GetAtt': [landed, 'Arn'] },
            Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'landing/' }] } },
          },
        ],
      },
    });
    // S3 may send to the queue, and only from this bucket.
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: landed }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: Match.arrayWith(['sqs:SendMessage']),
            Principal: { Service: 's3.amazonaws.com' },
            Condition: { ArnLike: { 'aws:SourceArn': Match.anyValue() } },
          }),
        ]),
      },
    });
  });

  it('encrypts every queue, gives each a DLQ, and sizes visibility timeouts at 6x the function timeout', () => {
    const queues = ofType('AWS::SQS::Queue');
    expect(queues).toHaveLength(4);
    for (const [, q] of queues) expect(q.Properties.SqsManagedSseEnabled).toBe(true);
    const landedDlq = logicalIdOf('AWS::SQS::Queue', (p) => !p.FifoQueue && p.RedrivePolicy === undefined);
    template.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: 3600,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [landedDlq, 'Arn'] }, maxReceiveCount: 5 },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('^converts a landed object'),
      Timeout: 600,
    });
  });

  it('makes commits a FIFO queue with a FIFO DLQ and content-based deduplication off', () => {
    const fifoDlq = logicalIdOf('AWS::SQS::Queue', (p) => p.FifoQueue === true && p.RedrivePolicy === undefined);
    template.hasResourceProperties('AWS::SQS::Queue', { FifoQueue: true, ContentBasedDeduplication: false });
    template.hasResourceProperties('AWS::SQS::Queue', {
      FifoQueue: true,
      ContentBasedDeduplication: false,
      DeduplicationScope: 'messageGroup',
      FifoThroughputLimit: 'perMessageGroupId',
      VisibilityTimeout: 1800,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [fifoDlq, 'Arn'] }, maxReceiveCount: 5 },
    });
  });

  it('wires landed → convert and commits → commit with ReportBatchItemFailures and bounded convert concurrency', () => {
    const landed = logicalIdOf('AWS::SQS::Queue', (p) => !p.FifoQueue && p.RedrivePolicy !== undefined);
    const commits = logicalIdOf('AWS::SQS::Queue', (p) => p.FifoQueue === true && p.RedrivePolicy !== undefined);
    const convert = logicalIdOf('AWS::Lambda::Function', (p) => /^converts a landed/.test(p.Description ?? ''));
    const commit = logicalIdOf('AWS::Lambda::Function', (p) => /^commits a batch/.test(p.Description ?? ''));
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 2);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [landed, 'Arn'] },
      FunctionName: { Ref: convert },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 20 },
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [commits, 'Arn'] },
      FunctionName: { Ref: commit },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: 10,
    });
  });

  it('runs every floe function on arm64 and the current Node runtime, with its own log group with retention', () => {
    const functions = ofType('AWS::Lambda::Function').filter(([id]) => !id.startsWith('BucketNotificationsHandler'));
    expect(functions).toHaveLength(8); // convert, commit, 4 backfill, 2 maintenance
    const logGroups = new Map(ofType('AWS::Logs::LogGroup'));
    for (const [, fn] of functions) {
      expect(fn.Properties.Architectures).toEqual(['arm64']);
      expect(fn.Properties.Runtime).toBe('nodejs24.x');
      const group = fn.Properties.LoggingConfig.LogGroup.Ref as string;
      expect(logGroups.get(group)?.Properties.RetentionInDays).toBe(30);
    }
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('^converts'),
      MemorySize: 3008,
      EphemeralStorage: { Size: 2048 },
    });
  });

  it('gives handlers the environment contract, with the secret by ARN and no secret value', () => {
    const secret = logicalIdOf('AWS::SecretsManager::Secret', () => true);
    expect(resources[secret]!.Properties.SecretString).toBeUndefined();
    const functions = ofType('AWS::Lambda::Function').filter(([id]) => !id.startsWith('BucketNotificationsHandler'));
    for (const [, fn] of functions) {
      const env = fn.Properties.Environment.Variables as Record<string, unknown>;
      expect(env).toMatchObject({
        FLOE_CATALOG_URI: 'https://catalog.dremio.cloud/api/iceberg',
        FLOE_WAREHOUSE: 'test-project',
        FLOE_AUTH_TYPE: 'token-exchange',
        FLOE_TOKEN_ENDPOINT: 'https://login.dremio.cloud/oauth/token',
        FLOE_SCOPE: 'dremio.all',
        FLOE_CLIENT_ID: 'dremio',
        FLOE_SECRET_ID: { Ref: secret },
        FLOE_COMMIT_QUEUE_URL: { Ref: expect.stringMatching(/^CommitQueueCommits/) },
        FLOE_LANDING_BUCKET: { Ref: expect.stringMatching(/^LandingBucket/) },
        FLOE_LANDING_PREFIX: 'landing/',
        FLOE_ERRORS_PREFIX: '_floe/errors/',
        FLOE_SPILL_PREFIX: '_floe/commit-requests/',
        FLOE_MAX_FILE_BYTES: String(512 * 1024 * 1024),
        POWERTOOLS_SERVICE_NAME: 'floe',
        POWERTOOLS_METRICS_NAMESPACE: 'floe',
      });
      expect(JSON.parse(env.FLOE_CONFIG as string)).toEqual({
        routes: [{ match: 'orders/**', table: 'sales.orders', on_error: 'continue' }],
      });
      // Nothing secret-looking: no token/password/PAT values, no resolved secret references.
      const text = JSON.stringify(env);
      expect(text).not.toMatch(/resolve:secretsmanager|SecretString|dremio_pat|password|Bearer /i);
      expect(Object.keys(env).filter((k) => /TOKEN$|PASSWORD|SECRET$|PAT$/.test(k))).toEqual([]);
    }
  });

  it('has no IAM statement with a wildcard action, and no AWS managed policy on floe roles', () => {
    const statements = [...ofType('AWS::IAM::Policy'), ...ofType('AWS::IAM::Role')].flatMap(([, r]) => [
      ...(r.Properties.PolicyDocument?.Statement ?? []),
      ...(r.Properties.Policies ?? []).flatMap((p: any) => p.PolicyDocument.Statement),
    ]);
    expect(statements.length).toBeGreaterThan(10);
    const actions = statements.flatMap((s: any) => [s.Action].flat());
    expect(actions.filter((a: string) => a.includes('*'))).toEqual([]);
    const floeRoles = ofType('AWS::IAM::Role').filter(([id]) => !id.startsWith('BucketNotificationsHandler'));
    for (const [, role] of floeRoles) expect(role.Properties.ManagedPolicyArns).toBeUndefined();
  });

  it('scopes S3 grants to floe prefixes: convert reads landing/ (by version), lists only landing/, writes errors, spill and archive, never deletes', () => {
    const convertRole = logicalIdOf('AWS::IAM::Role', (p) => /^floe convert:/.test(p.Description ?? ''));
    const policy = ofType('AWS::IAM::Policy').find(([, p]) =>
      p.Properties.Roles.some((r: any) => r.Ref === convertRole),
    )!;
    const statements = policy[1].Properties.PolicyDocument.Statement as any[];
    const s3 = statements.filter((s) => [s.Action].flat().some((a: string) => a.startsWith('s3:')));
    // Policy minimization merges statements with equal actions: one pair per (actions, prefix).
    const grants = s3.flatMap((s) =>
      [s.Resource]
        .flat()
        .map((r: unknown) => [[s.Action].flat().sort().join(','), JSON.stringify(r).match(/\/([^"]*)\*"/)?.[1]]),
    );
    expect(grants).toEqual(
      expect.arrayContaining([
        ['s3:GetObject,s3:GetObjectVersion', 'landing/'],
        ['s3:AbortMultipartUpload,s3:PutObject', '_floe/errors/'],
        ['s3:AbortMultipartUpload,s3:PutObject', '_floe/commit-requests/'],
        ['s3:AbortMultipartUpload,s3:PutObject', '_floe/archive/'],
        ['s3:ListBucket', undefined],
      ]),
    );
    expect(grants).toHaveLength(5);
    expect(s3.flatMap((s) => [s.Action].flat())).not.toContain('s3:DeleteObject');
    // Listing so a deleted object is a 404, not a 403: S3 checks it for a missing key without an
    // s3:prefix, so it cannot carry a prefix condition (test/functions/vanished-object-iam.test.ts).
    expect(s3.find((s) => s.Action === 's3:ListBucket')?.Condition).toBeUndefined();
    const actions = statements.flatMap((s) => [s.Action].flat());
    expect(actions).toEqual(
      expect.arrayContaining([
        'sqs:SendMessage',
        'sqs:ReceiveMessage',
        'sqs:DeleteMessage',
        'secretsmanager:GetSecretValue',
      ]),
    );
  });

  it('lets only the backfill plan list versions, under the landing prefix; both converts may list (404 for a missing key)', () => {
    const listing = ofType('AWS::IAM::Policy').flatMap(([, p]) =>
      (p.Properties.PolicyDocument.Statement as any[])
        .filter((s) => [s.Action].flat().some((a: string) => /^s3:ListBucket(Versions)?$/.test(a)))
        .map((s) => ({
          roles: p.Properties.Roles.map((r: any) => r.Ref as string),
          actions: [s.Action].flat().sort(),
          condition: s.Condition,
        })),
    );
    const byRole = Object.fromEntries(listing.map((l) => [l.roles.join().replace(/[0-9A-F]{8}$/, ''), l]));
    expect(Object.keys(byRole).sort()).toEqual(['BackfillConvertRole', 'BackfillPlanRole', 'IngestConvertRole']);
    // ListObjectVersions (version ids for ingest ids) needs s3:ListBucketVersions, scoped like the listing.
    expect(byRole.BackfillPlanRole.actions).toEqual(['s3:ListBucket', 's3:ListBucketVersions']);
    expect(byRole.BackfillConvertRole.actions).toEqual(['s3:ListBucket']);
    expect(byRole.IngestConvertRole.actions).toEqual(['s3:ListBucket']);
    expect(byRole.BackfillPlanRole.condition).toEqual({ StringLike: { 's3:prefix': ['landing/', 'landing/*'] } });
    expect(byRole.BackfillConvertRole.condition).toBeUndefined();
    expect(byRole.IngestConvertRole.condition).toBeUndefined();
  });

  it('has a logged, traced backfill state machine', () => {
    const [[, machine]] = ofType('AWS::StepFunctions::StateMachine') as [[string, any]];
    expect(machine.Properties).toMatchObject({
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: {
        Level: 'ALL',
        IncludeExecutionData: false,
        Destinations: [
          {
            CloudWatchLogsLogGroup: {
              LogGroupArn: { 'Fn::GetAtt': [expect.stringMatching(/^BackfillStateMachineLogs/), 'Arn'] },
            },
          },
        ],
      },
    });
  });

  it('alarms on DLQ depth, function errors, oldest message age and commit conflict rate, and has a dashboard', () => {
    const alarms = ofType('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
    const dlqAlarms = alarms.filter((a) => a.MetricName === 'ApproximateNumberOfMessagesVisible');
    expect(dlqAlarms).toHaveLength(2);
    for (const a of dlqAlarms) {
      expect(a).toMatchObject({ Threshold: 0, ComparisonOperator: 'GreaterThanThreshold', Namespace: 'AWS/SQS' });
    }
    expect(alarms.filter((a) => a.MetricName === 'Errors' && a.Namespace === 'AWS/Lambda')).toHaveLength(6);
    expect(alarms.filter((a) => a.MetricName === 'ApproximateAgeOfOldestMessage' && a.Threshold === 900)).toHaveLength(
      2,
    );
    const conflict = alarms.find((a) => JSON.stringify(a.Metrics ?? []).includes('CommitConflicts'));
    expect(conflict).toMatchObject({ Threshold: 20, ComparisonOperator: 'GreaterThanThreshold' });
    expect(JSON.stringify(conflict!.Metrics)).toContain('"Namespace":"floe"');
    const dashboard = JSON.stringify(ofType('AWS::CloudWatch::Dashboard')[0]![1].Properties.DashboardBody);
    for (const title of ['Files', 'Rows and bytes', 'Latency', 'Errors'])
      expect(dashboard).toContain(`\\"title\\":\\"${title}\\"`);
  });
});

describe('PAT secret: created empty, or imported by ARN or name', () => {
  const secretGrants = (template: Template) =>
    Object.values(template.findResources('AWS::IAM::Policy')).flatMap((p: any) =>
      (p.Properties.PolicyDocument.Statement as any[]).filter((s) =>
        [s.Action].flat().includes('secretsmanager:GetSecretValue'),
      ),
    );

  it('creates a secret with no value in the template when none is imported', () => {
    const { template } = synthFloeStack();
    const secrets = Object.entries(template.findResources('AWS::SecretsManager::Secret'));
    expect(secrets).toHaveLength(1);
    const [id, secret] = secrets[0]!;
    expect(secret.Properties.SecretString).toBeUndefined();
    expect(secret.Properties.GenerateSecretString).toBeDefined(); // random placeholder, replaced by the PAT
    for (const grant of secretGrants(template)) expect(grant.Resource).toEqual({ Ref: id });
  });

  it.each([
    ['a complete ARN', { secretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:floe/pat-AbC123' }],
    ['a partial ARN', { secretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:floe/pat' }],
    ['a name', { secretName: 'floe/pat' }],
  ] as const)('imports an existing secret by %s: no new secret, handlers and grants point at it', (_how, input) => {
    const { template } = synthFloeStack(input);
    template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    const grants = secretGrants(template);
    expect(grants.length).toBeGreaterThanOrEqual(4); // convert, commit, backfill plan/convert/commit
    const expected =
      'secretArn' in input
        ? input.secretArn.endsWith('-AbC123')
          ? input.secretArn
          : `${input.secretArn}-??????` // a partial ARN matches any suffix Secrets Manager added
        : 'floe/pat';
    for (const grant of grants) expect(JSON.stringify(grant.Resource)).toContain(expected);
    const functions = Object.entries(template.findResources('AWS::Lambda::Function')).filter(
      ([fid]) => !fid.startsWith('BucketNotificationsHandler'),
    );
    for (const [, fn] of functions) {
      expect(JSON.stringify(fn.Properties.Environment.Variables.FLOE_SECRET_ID)).toContain(
        'secretArn' in input ? input.secretArn : 'floe/pat',
      );
    }
  });
});

describe('environment contract with the handlers (functions/environment.ts)', () => {
  it('every function’s environment passes the handlers’ own cold-start check, in every auth mode', async () => {
    const { readEnvironment } = await import('../../functions/environment.js');
    const { inlineResultBytesFrom } = await import('../../functions/backfill-context.js');
    for (const authType of ['token-exchange', 'client-credentials', 'bearer'] as const) {
      const { template } = synthFloeStack({ authType, routesFile: 'test/infra/fixtures/routes.yaml' });
      const functions = Object.entries(template.findResources('AWS::Lambda::Function')).filter(
        ([id]) => !id.startsWith('BucketNotificationsHandler'),
      );
      expect(functions).toHaveLength(8);
      expect(functions.filter(([id]) => /^(IngestConvert|BackfillConvert)Function/.test(id))).toHaveLength(2);
      for (const [id, fn] of functions) {
        // CloudFormation references (ARNs, URLs, names) resolve at deploy time; stand-ins here.
        const env = Object.fromEntries(
          Object.entries(fn.Properties.Environment.Variables as Record<string, unknown>).map(([k, v]) => [
            k,
            typeof v === 'string' ? v : `deployed-${k.toLowerCase()}`,
          ]),
        );
        const settings = readEnvironment(id.startsWith('IngestConvert') ? 'convert' : 'commit', env);
        expect(settings).toMatchObject({ authType, warehouse: 'test-project', landingPrefix: 'landing/' });
        expect(settings.secretId).toBe('deployed-floe_secret_id');
        if (id.startsWith('IngestConvert')) expect(settings.commitQueueUrl).toBe('deployed-floe_commit_queue_url');
        expect(inlineResultBytesFrom(env.FLOE_BACKFILL_INLINE_BYTES)).toBe(
          id.startsWith('BackfillConvert') ? 51200 : undefined,
        );
      }
    }
  });
});

describe('least-privilege grants beyond convert', () => {
  /** S3 grants of the role whose description starts with `floe <handler>:`, as [actions, resource JSON]. */
  const s3Grants = (template: Template, handler: string) => {
    const roles = Object.entries(template.findResources('AWS::IAM::Role')).filter(([, r]) =>
      (r.Properties.Description ?? '').startsWith(`floe ${handler}:`),
    );
    expect(roles).toHaveLength(1);
    const roleId = roles[0]![0];
    return Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p) => p.Properties.Roles.some((r: any) => r.Ref === roleId))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as any[])
      .filter((s) => [s.Action].flat().some((a: string) => a.startsWith('s3:')))
      .flatMap((s) => [s.Resource].flat().map((r: unknown) => [[s.Action].flat().sort().join(','), JSON.stringify(r)]));
  };

  it('commit reads spilled requests (current versions), reads and writes ledger markers, nothing else in the landing bucket', () => {
    const grants = s3Grants(synthFloeStack().template, 'commit');
    expect(grants.map(([actions, resource]) => [actions, resource!.match(/\/([^"]*)\*"/)?.[1]])).toEqual([
      ['s3:GetObject', '_floe/commit-requests/'],
      ['s3:GetObject', '_floe/ledger/'],
      ['s3:AbortMultipartUpload,s3:PutObject', '_floe/ledger/'],
    ]);
  });

  it('grants an existing warehouse bucket by name to convert and commit, with explicit actions and no delete', () => {
    const { template } = synthFloeStack({ warehouseBucket: 'acme-warehouse' });
    template.resourceCountIs('AWS::S3::Bucket', 2); // landing + access logs: the warehouse is not created
    for (const handler of ['convert', 'commit']) {
      const warehouse = s3Grants(template, handler).filter(([, r]) => r!.includes('acme-warehouse'));
      expect(warehouse.map(([actions]) => actions).sort()).toEqual([
        's3:AbortMultipartUpload,s3:GetObject,s3:PutObject',
        's3:ListBucket',
      ]);
    }
  });
});
