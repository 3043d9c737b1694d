/**
 * Issue #11: an object deleted between its event (or the backfill plan) and the read must be a
 * named rejection with an error report, not a retried failure. On AWS that needs the role to tell
 * "gone" (404) from "denied" (403): S3 answers 404 for a missing key only to a caller allowed to
 * `s3:ListBucket`. Here every S3 request of the convert and backfill handlers goes through a
 * proxy over s3rver that enforces the role's statements from the synthesized template.
 */
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { tokenExchangeAuth } from '../../lib/catalog/rest/auth.js';
import { RestCatalog } from '../../lib/catalog/rest/client.js';
import { synthFloeStack } from '../infra/stack-fixture.js';
import { s3EventNotification, sqsEvent, sqsRecord } from '../ingest/events.js';
import { type IamS3Proxy, type PolicyStatement, resolveStatements, startIamS3Proxy } from '../support/iam-s3-proxy.js';
import { lambdaContext, PAT, type Pipeline, startPipeline } from './pipeline-harness.js';
import { queryTable } from './verify-table.js';

const { template } = synthFloeStack();
const bucketNames = Object.fromEntries(
  Object.keys(template.findResources('AWS::S3::Bucket'))
    .filter((id) => id.startsWith('LandingBucket'))
    .map((id) => [id, 'landing']),
);

/** The S3 statements of the role whose description starts with `floe <handler>:`. */
function roleStatements(handler: string): PolicyStatement[] {
  const roles = Object.entries(template.findResources('AWS::IAM::Role')).filter(([, r]) =>
    (r.Properties.Description ?? '').startsWith(`floe ${handler}:`),
  );
  expect(roles).toHaveLength(1);
  const statements = Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p) => p.Properties.Roles.some((r: any) => r.Ref === roles[0]![0]))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as unknown[]);
  return resolveStatements(statements, bucketNames);
}
const withoutListing = (statements: PolicyStatement[]) =>
  statements.filter((s) => ![s.Action].flat().includes('s3:ListBucket'));

const csv = (from: number) => `id\n${Array.from({ length: 10 }, (_, i) => from + i).join('\n')}\n`;

describe('a vanished landed object, with each role’s IAM policy enforced (proxy over s3rver)', () => {
  let p: Pipeline;
  let proxy: IamS3Proxy;
  type Step = (input: unknown, context: ReturnType<typeof lambdaContext>) => Promise<any>;
  let plan: Step;
  let convertChunk: Step;
  let commit: Step;
  beforeAll(async () => {
    proxy = await startIamS3Proxy();
    p = await startPipeline({ AWS_ENDPOINT_URL_S3: proxy.endpoint, FLOE_LANDING_PREFIX: 'landing/' });
    proxy.target = p.s3.endpoint;
    plan = (await import('../../functions/backfill-plan.js')).handler as unknown as Step;
    convertChunk = (await import('../../functions/backfill-convert.js')).handler as unknown as Step;
    commit = (await import('../../functions/backfill-commit.js')).handler as unknown as Step;
  });
  afterAll(async () => {
    await p?.stop();
    await proxy?.stop();
  });
  beforeEach(() => {
    proxy.denied = [];
  });

  /** Lands `key` directly in s3rver (the uploader is not one of floe's roles). */
  const land = (key: string, body: string) =>
    p.s3.client.send(new PutObjectCommand({ Bucket: 'landing', Key: key, Body: body }));
  const vanish = (key: string) => p.s3.client.send(new DeleteObjectCommand({ Bucket: 'landing', Key: key }));

  /** Plans `landing/<dir>/` with two objects, then deletes the second before ConvertChunk reads it. */
  async function planWithVanished(dir: string) {
    const a = await land(`landing/${dir}/a.csv`, csv(1));
    const gone = await land(`landing/${dir}/gone.csv`, csv(101));
    proxy.statements = roleStatements('backfillPlan');
    const planned = await plan(
      { table: dir.replace('/', '.'), source: `s3://landing/landing/${dir}/` },
      lambdaContext('p'),
    );
    await vanish(`landing/${dir}/gone.csv`);
    const objects = [
      { path: `s3://landing/landing/${dir}/a.csv`, size: 31, etag: a.ETag },
      { path: `s3://landing/landing/${dir}/gone.csv`, size: 41, etag: gone.ETag },
    ];
    return { planned, chunk: { index: 0, objects, bytes: 72 } };
  }

  it('backfill-convert rejects it with an error report and the step succeeds', async () => {
    const { planned, chunk } = await planWithVanished('hist/items');
    proxy.statements = roleStatements('backfillConvert');
    const converted = await convertChunk({ chunk, plan: planned }, lambdaContext('c'));
    expect(proxy.denied).toEqual([]);
    expect(converted).toMatchObject({ converted: 1, rejected: 1 });
    expect(converted.rejections[0]).toMatchObject({
      path: 's3://landing/landing/hist/items/gone.csv',
      reportPath: expect.stringContaining('_floe/errors/'),
    });
    const report = JSON.parse(new TextDecoder().decode(await p.warehouseIo.read(converted.rejections[0].reportPath)));
    expect(report).toMatchObject({ outcome: 'rejected', error: 'LandedObjectGoneError' });

    proxy.statements = roleStatements('backfillCommit');
    await commit({ plan: planned, converted: [converted] }, lambdaContext('m'));
    const catalog = new RestCatalog({
      uri: p.server.url,
      auth: tokenExchangeAuth({ tokenEndpoint: p.server.tokenUrl, subjectToken: PAT }),
    });
    const rows = await queryTable(
      catalog,
      p.warehouseIo,
      { namespace: ['hist'], name: 'items' },
      'select min(id)::int lo, max(id)::int hi, count(*)::int n from t',
    );
    expect(rows).toEqual([{ lo: 1, hi: 10, n: 10 }]);
  });

  it('without s3:ListBucket the same read is denied (403), and the step fails to be retried', async () => {
    const { planned, chunk } = await planWithVanished('hist/denied');
    proxy.statements = withoutListing(roleStatements('backfillConvert'));
    await expect(convertChunk({ chunk, plan: planned }, lambdaContext('c'))).rejects.toThrow(
      /AccessDenied|403|denied/i,
    );
    expect(proxy.denied).toContainEqual(expect.objectContaining({ action: 's3:ListBucket' }));
  });

  async function convertVanished(key: string) {
    const out = await land(key, csv(1));
    const event = s3EventNotification('landing', key, { size: 31, eTag: (out.ETag ?? '').replace(/"/g, '') });
    await vanish(key);
    return p.convert(sqsEvent([sqsRecord(JSON.stringify(event))]), lambdaContext('floe-convert'));
  }

  it('live convert rejects it with an error report instead of retrying', async () => {
    proxy.statements = roleStatements('convert');
    const sendsBefore = p.sqs.commandCalls(SendMessageCommand).length;
    const result = await convertVanished('landing/sales/gone/part.csv');
    expect(proxy.denied).toEqual([]);
    expect(result.batchItemFailures).toEqual([]);
    expect(p.sqs.commandCalls(SendMessageCommand).length).toBe(sendsBefore);
    const report = JSON.parse(
      new TextDecoder().decode(
        await p.warehouseIo.read('s3://landing/_floe/errors/landing/sales/gone/part.csv.error.json'),
      ),
    );
    expect(report).toMatchObject({ outcome: 'rejected', error: 'LandedObjectGoneError' });
  });

  it('live convert without s3:ListBucket gets 403 and leaves the record to be retried', async () => {
    proxy.statements = withoutListing(roleStatements('convert'));
    const result = await convertVanished('landing/sales/denied/part.csv');
    expect(result.batchItemFailures).toHaveLength(1);
    expect(proxy.denied).toContainEqual(expect.objectContaining({ action: 's3:ListBucket' }));
  });
});
