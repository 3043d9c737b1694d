/**
 * The AWS pipeline on one machine, for handler tests: s3rver as S3 (landing and warehouse
 * buckets), floe's embedded catalog over HTTP vending s3rver credentials and requiring OAuth2
 * token exchange of a PAT, the real handler modules (functions/convert.ts, functions/commit.ts),
 * and mocks only for SQS and Secrets Manager (aws-sdk-client-mock). The harness plays SQS:
 * the "landed" standard queue redelivers failed records, the "commits" FIFO queue keeps
 * per-group order and redelivers failed messages at the head of their group.
 */
import { randomUUID } from 'node:crypto';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SendMessageCommand, type SendMessageCommandInput, SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { type CatalogServer, startCatalogServer } from '../../lib/catalog/server/server.js';
import { S3FileIO } from '../../lib/storage/s3.js';
import { sqsRecord } from '../ingest/events.js';
import { type S3rverHandle, startS3rver } from '../support/s3rver.js';

export const PAT = 'dremio-pat-abcdef0123456789';
export const COMMIT_QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/floe-commits.fifo';

type Handler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

export interface Pipeline {
  s3: S3rverHandle;
  server: CatalogServer;
  warehouseIo: S3FileIO;
  convert: Handler;
  commit: Handler;
  /** Messages sent to the commits queue, per group, not yet acknowledged. */
  fifo: Map<string, SendMessageCommandInput[]>;
  /** Every SendMessage input seen (including ones the harness made fail). */
  sent: SendMessageCommandInput[];
  /** Decides, per SendMessage, whether to fail it: 'before' (not enqueued) or 'after' (enqueued, then error). */
  sendFault: (input: SendMessageCommandInput) => 'before' | 'after' | undefined;
  sqs: ReturnType<typeof mockClient>;
  secrets: ReturnType<typeof mockClient>;
  /** EventBridge (commit events, issue #14): accepts every entry. */
  events: ReturnType<typeof mockClient>;
  stop(): Promise<void>;
}

/** A Lambda context good enough for Powertools. */
export function lambdaContext(name: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${name}`,
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: '2026/01/01/[$LATEST]abc',
    getRemainingTimeInMillis: () => 60_000,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

/** Starts everything and imports the handlers (their module-level setup reads the environment). */
export async function startPipeline(extraEnv: Record<string, string> = {}): Promise<Pipeline> {
  const s3 = await startS3rver(['landing', 'warehouse']);
  const warehouseIo = new S3FileIO({ credentials: s3.credentials() });
  const server = await startCatalogServer({
    warehouse: 's3://warehouse/',
    io: warehouseIo,
    auth: 'token',
    acceptedSubjectTokens: [PAT],
    vend: {
      config: {
        's3.access-key-id': 'S3RVER',
        's3.secret-access-key': 'S3RVER',
        's3.endpoint': s3.endpoint,
        's3.path-style-access': 'true',
        'client.region': 'us-east-1',
      },
    },
  });
  Object.assign(process.env, {
    // Ambient credentials of the Lambda role: for the landing bucket only (tables use vended ones).
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_REGION: 'us-east-1',
    POWERTOOLS_SERVICE_NAME: 'floe',
    POWERTOOLS_METRICS_NAMESPACE: 'floe',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
    FLOE_CATALOG_URI: server.url,
    FLOE_WAREHOUSE: 'warehouse',
    FLOE_AUTH_TYPE: 'token-exchange',
    FLOE_TOKEN_ENDPOINT: server.tokenUrl,
    FLOE_SCOPE: 'dremio.all',
    FLOE_CLIENT_ID: 'dremio',
    FLOE_SECRET_ID: 'floe/dremio-pat',
    FLOE_COMMIT_QUEUE_URL: COMMIT_QUEUE_URL,
    FLOE_LANDING_BUCKET: 'landing',
    // History rows and events are off unless a test turns them on (test/history/).
    FLOE_HISTORY_TABLE: 'off',
    FLOE_EVENT_BUS: 'off',
    ...extraEnv,
  });

  const secrets = mockClient(SecretsManagerClient);
  secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ pat: PAT }) });
  const sqs = mockClient(SQSClient);
  const events = mockClient(EventBridgeClient);
  events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [] });
  const pipeline: Pipeline = {
    s3,
    server,
    warehouseIo,
    convert: undefined as unknown as Handler,
    commit: undefined as unknown as Handler,
    fifo: new Map(),
    sent: [],
    sendFault: () => undefined,
    sqs,
    secrets,
    events,
    async stop() {
      events.restore();
      sqs.restore();
      secrets.restore();
      await server.close();
      await s3.stop();
    },
  };
  sqs.on(SendMessageCommand).callsFake((input: SendMessageCommandInput) => {
    pipeline.sent.push(input);
    const fault = pipeline.sendFault(input);
    if (fault === 'before') throw Object.assign(new Error('injected: crash before enqueue'), { name: 'InjectedCrash' });
    const group = input.MessageGroupId as string;
    const list = pipeline.fifo.get(group) ?? [];
    list.push(input);
    pipeline.fifo.set(group, list);
    if (fault === 'after') throw Object.assign(new Error('injected: crash after enqueue'), { name: 'InjectedCrash' });
    return { MessageId: randomUUID(), SequenceNumber: '1' };
  });
  pipeline.convert = (await import('../../functions/convert.js')).handler as unknown as Handler;
  pipeline.commit = (await import('../../functions/commit.js')).handler as unknown as Handler;
  return pipeline;
}

/** Takes up to `max` messages from the heads of the FIFO groups (a FIFO batch may mix groups, each in order). */
export function takeFifoBatch(
  pipeline: Pipeline,
  max = 10,
  pickGroups: (groups: string[]) => string[] = (g) => g,
): SQSRecord[] {
  const records: SQSRecord[] = [];
  for (const group of pickGroups([...pipeline.fifo.keys()])) {
    const list = pipeline.fifo.get(group) ?? [];
    while (records.length < max && list.length > 0) {
      const input = list.shift() as SendMessageCommandInput;
      records.push(
        Object.assign(
          sqsRecord(input.MessageBody as string, { groupId: group, dedupId: input.MessageDeduplicationId }),
          { __input: input },
        ),
      );
    }
    if (list.length === 0) pipeline.fifo.delete(group);
  }
  return records;
}

/** Puts records back at the head of their groups, in order (a failed FIFO batch). */
export function returnToFifo(pipeline: Pipeline, records: SQSRecord[]): void {
  for (const record of [...records].reverse()) {
    const group = record.attributes.MessageGroupId as string;
    const list = pipeline.fifo.get(group) ?? [];
    list.unshift((record as SQSRecord & { __input: SendMessageCommandInput }).__input);
    pipeline.fifo.set(group, list);
  }
}

/** Runs the commit handler on one FIFO batch; returns the records that were not acknowledged. */
export async function deliverCommitBatch(
  pipeline: Pipeline,
  records: SQSRecord[],
  options: { crashBeforeAck?: boolean } = {},
): Promise<SQSRecord[]> {
  let failed: SQSRecord[];
  try {
    const response = await pipeline.commit({ Records: records }, lambdaContext('floe-commit'));
    const ids = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
    failed = records.filter((r) => ids.has(r.messageId));
  } catch {
    failed = records;
  }
  if (options.crashBeforeAck) failed = records; // the commit happened, the ack did not
  // FIFO: SQS keeps failed messages (and everything after them in the group) for redelivery.
  returnToFifo(pipeline, failed);
  return failed;
}
