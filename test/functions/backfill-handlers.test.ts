/**
 * The backfill handlers (functions/backfill-*.ts) run in the order the state machine runs them
 * (infra/constructs/backfill-state-machine.ts): Plan → for each ItemBatcher batch of the chunk
 * manifest: ConvertChunk per item, then CommitBatch → the ResultWriter's files → Report.
 * Real parts: s3rver (landing and warehouse buckets), floe's embedded catalog over HTTP with
 * token exchange and vended s3rver credentials; DuckDB reads the table from the outside.
 * Only Secrets Manager and SQS are mocked (pipeline-harness).
 */
import { randomUUID } from 'node:crypto';
import { HeadObjectCommand, ListObjectVersionsCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenExchangeAuth } from '../../lib/catalog/rest/auth.js';
import { RestCatalog } from '../../lib/catalog/rest/client.js';
import { liveDataFiles } from '../../lib/iceberg/scan.js';
import {
  type BackfillManifestChunk,
  type BackfillPlanSummary,
  type BackfillReport,
  type BackfillStepsContext,
  type CommittedBatch,
  type ConvertedChunk,
  planBackfillStep,
} from '../../lib/ingest/backfill-steps.js';
import { ingestId } from '../../lib/ingest/ingest-id.js';
import { landedObjectsFrom } from '../../lib/ingest/landed-event.js';
import { s3ObjectVersions } from '../../lib/storage/s3-versions.js';
import { s3EventNotification, sqsEvent, sqsRecord } from '../ingest/events.js';
import {
  deliverCommitBatch,
  lambdaContext,
  PAT,
  type Pipeline,
  startPipeline,
  takeFifoBatch,
} from './pipeline-harness.js';
import { queryTable } from './verify-table.js';

type Step<I, O> = (input: I, context: ReturnType<typeof lambdaContext>) => Promise<O>;
const TABLE = { namespace: ['hist'], name: 'orders' };
const DAYS = ['2024-01-01', '2024-01-02', '2024-01-03'];
const PER_DAY = 6;
const CHUNKS_PER_COMMIT = 2;

describe('backfill handlers in state-machine order (s3rver + embedded catalog over HTTP)', () => {
  let p: Pipeline;
  let catalog: RestCatalog;
  let plan: Step<unknown, BackfillPlanSummary>;
  let convert: Step<unknown, ConvertedChunk>;
  let commit: Step<unknown, CommittedBatch>;
  let report: Step<unknown, BackfillReport>;

  beforeAll(async () => {
    p = await startPipeline({
      FLOE_CONFIG: JSON.stringify({
        routes: [
          { match: 'hist/orders/**', table: 'hist.orders', auto_create: { partition_spec: [{ column: 'day' }] } },
        ],
      }),
      // Small, so chunks of several files spill their results to S3 and single files travel inline.
      FLOE_BACKFILL_INLINE_BYTES: '2000',
    });
    catalog = new RestCatalog({
      uri: p.server.url,
      auth: tokenExchangeAuth({ tokenEndpoint: p.server.tokenUrl, subjectToken: PAT }),
    });
    plan = (await import('../../functions/backfill-plan.js')).handler as unknown as typeof plan;
    convert = (await import('../../functions/backfill-convert.js')).handler as unknown as typeof convert;
    commit = (await import('../../functions/backfill-commit.js')).handler as unknown as typeof commit;
    report = (await import('../../functions/backfill-report.js')).handler as unknown as typeof report;
  }, 30_000);
  afterAll(async () => p?.stop());

  async function put(key: string, body: string): Promise<string> {
    const out = await p.s3.client.send(new PutObjectCommand({ Bucket: 'landing', Key: key, Body: body }));
    return (out.ETag ?? '').replace(/"/g, '');
  }

  const fileBody = (day: string, i: number, scale = 1) =>
    `id,day,amount\n${Number(day.slice(-2))}${i}0,${day},${i * scale}\n${Number(day.slice(-2))}${i}1,${day},${i * scale + 0.5}\n`;

  async function landHistory(scale = 1, days = DAYS): Promise<void> {
    for (const day of days)
      for (let i = 0; i < PER_DAY; i++) await put(`hist/orders/${day}/f-${i}.csv`, fileBody(day, i, scale));
  }

  /**
   * Plays the state machine: Plan, then the Distributed Map over the manifest with ItemBatcher
   * (`{ Items, BatchInput: { plan } }`), ConvertChunks (item `{ chunk, plan }`), CommitBatch
   * (`{ plan, converted }`), ResultWriter (manifest.json + SUCCEEDED_0/FAILED_0), then Report.
   * `faults` injects catalog faults before the commit of a batch: `conflict` exhausts the commit
   * path's retries (the child fails as after Step Functions' own retries), `lost-response` applies
   * the commit and loses the answer (the handler must find its snapshot, not commit again).
   */
  async function runStateMachine(
    input: Record<string, unknown>,
    faults: Record<number, 'conflict' | 'lost-response'> = {},
  ) {
    const planned = await plan(input, lambdaContext('floe-backfill-plan'));
    const items = await manifestOf(planned);
    const succeeded: unknown[] = [];
    const failed: unknown[] = [];
    const errors: Error[] = [];
    const results: ConvertedChunk[] = [];
    for (let start = 0; start < items.length; start += CHUNKS_PER_COMMIT) {
      const batchInput = { Items: items.slice(start, start + CHUNKS_PER_COMMIT), BatchInput: { plan: planned } };
      try {
        const converted: ConvertedChunk[] = [];
        for (const item of batchInput.Items) {
          converted.push(
            await convert({ chunk: item, plan: batchInput.BatchInput.plan }, lambdaContext('floe-backfill-convert')),
          );
        }
        results.push(...converted);
        const fault = faults[start / CHUNKS_PER_COMMIT];
        if (fault === 'conflict') p.server.faults.failNextCommits(5, 409);
        if (fault === 'lost-response') p.server.faults.applyThenFail(1, 503);
        const output = await commit(
          { plan: batchInput.BatchInput.plan, converted },
          lambdaContext('floe-backfill-commit'),
        );
        succeeded.push({ Status: 'SUCCEEDED', Input: JSON.stringify(batchInput), Output: JSON.stringify(output) });
      } catch (error) {
        errors.push(error as Error);
        failed.push({
          Status: 'FAILED',
          Input: JSON.stringify(batchInput),
          Error: (error as Error).name,
          Cause: (error as Error).message,
        });
      }
    }
    const prefix = `_floe/backfill/results/${randomUUID()}`;
    const write = (key: string, value: unknown) =>
      p.warehouseIo.write(`s3://landing/${key}`, new TextEncoder().encode(JSON.stringify(value)));
    await write(`${prefix}/SUCCEEDED_0.json`, succeeded);
    await write(`${prefix}/FAILED_0.json`, failed);
    await write(`${prefix}/manifest.json`, {
      DestinationBucket: 'landing',
      MapRunArn: 'arn:aws:states:us-east-1:123456789012:mapRun:floe-backfill/Backfill:1',
      ResultFiles: {
        FAILED: [{ Key: `${prefix}/FAILED_0.json`, Size: 1 }],
        PENDING: [],
        SUCCEEDED: [{ Key: `${prefix}/SUCCEEDED_0.json`, Size: 1 }],
      },
    });
    const summary = await report(
      {
        status: 'SUCCEEDED',
        plan: planned,
        mapRun: { ResultWriterDetails: { Bucket: 'landing', Key: `${prefix}/manifest.json` } },
      },
      lambdaContext('floe-backfill-report'),
    );
    return { planned, items, summary, errors, results };
  }

  const count = async () =>
    (await queryTable(catalog, p.warehouseIo, TABLE, 'select count(*)::int n, count(distinct id)::int ids from t'))[0];
  const snapshots = async () => (await catalog.loadTable(TABLE)).metadata.snapshots.length;

  it('ingests every file exactly once, rejects a malformed file without blocking the others, and resumes after a failed chunk', async () => {
    await landHistory();
    await put('hist/orders/2024-01-03/zz-bad.csv', 'id,day,amount\n1,2024-01-03,1\n2,2024-01-03,not-a-number\n');
    await put('_floe/errors/old.json', '{}'); // floe's own prefix: never planned

    // One file arrives through the live path first: the backfill must not ingest it again.
    const etag = await put('hist/orders/2024-01-01/f-0.csv', fileBody('2024-01-01', 0));
    const live = s3EventNotification('landing', 'hist/orders/2024-01-01/f-0.csv', {
      size: Buffer.byteLength(fileBody('2024-01-01', 0)),
      eTag: etag,
    });
    expect(
      (await p.convert(sqsEvent([sqsRecord(JSON.stringify(live))]), lambdaContext('floe-convert'))).batchItemFailures,
    ).toEqual([]);
    expect(await deliverCommitBatch(p, takeFifoBatch(p))).toEqual([]);
    expect(await count()).toEqual({ n: 2, ids: 2 });

    const input = { table: 'hist.orders', source: 's3://landing/hist/', mode: 'append', maxChunkFiles: 3 };
    const first = await runStateMachine(input, { 0: 'conflict' });
    const files = DAYS.length * PER_DAY + 1;
    expect(first.planned).toMatchObject({ table: 'hist.orders', mode: 'append', files, chunks: Math.ceil(files / 3) });
    expect(first.items.flatMap((i) => i.objects).some((o) => o.path.includes('_floe'))).toBe(false);
    // Results of three-file chunks (~2.7 KB) are over the test-sized inline limit (2 KB): they travel through S3.
    expect(
      first.results
        .filter((r) => r.converted === 3)
        .every((r) => r.spilled?.startsWith(`s3://landing/_floe/backfill/${first.planned.backfillId}/converted/`)),
    ).toBe(true);
    // The first child failed with a name the state machine retries; its chunks are reported, the others committed.
    expect(first.errors.map((e) => e.name)).toEqual(['CommitConflictError']);
    expect(first.summary).toMatchObject({
      status: 'SUCCEEDED',
      complete: false,
      failedChunks: [{ chunks: [0, 1], error: 'CommitConflictError' }],
      unaccounted: 6,
    });
    expect(first.summary.rejections).toEqual([
      expect.objectContaining({ path: 's3://landing/hist/orders/2024-01-03/zz-bad.csv' }),
    ]);
    const errorReport = JSON.parse(
      new TextDecoder().decode(
        await p.warehouseIo.read('s3://landing/_floe/errors/hist/orders/2024-01-03/zz-bad.csv.error.json'),
      ),
    );
    expect(errorReport).toMatchObject({
      table: 'hist.orders',
      outcome: 'rejected',
      line: 3,
      column: 'amount',
      value: 'not-a-number',
    });
    // chunk 0 and 1 (6 files, one of them the live one) failed; everything else is in
    expect(await count()).toEqual({ n: 2 + (files - 1 - 6) * 2, ids: 2 + (files - 1 - 6) * 2 });

    // Started again (and one commit's response lost): the same backfill id; every file ends up exactly once.
    const second = await runStateMachine(input, { 0: 'lost-response' });
    expect(second.planned.backfillId).toBe(first.planned.backfillId);
    expect(second.errors).toEqual([]);
    expect(second.summary).toMatchObject({
      complete: true,
      failedChunks: [],
      unaccounted: 0,
      committed: 5,
      rejected: 1,
    });
    expect(await count()).toEqual({ n: (files - 1) * 2, ids: (files - 1) * 2 });
    const stored = JSON.parse(new TextDecoder().decode(await p.warehouseIo.read(second.summary.reportPath)));
    expect(stored).toMatchObject({ backfillId: second.planned.backfillId, complete: true });

    // And once more: nothing to convert, nothing committed, no new snapshot.
    const before = await snapshots();
    const third = await runStateMachine(input);
    expect(third.summary).toMatchObject({ complete: true, committed: 0, snapshots: [], skipped: files - 1 });
    expect(await snapshots()).toBe(before);
    expect(await count()).toEqual({ n: (files - 1) * 2, ids: (files - 1) * 2 });
  }, 60_000);

  it('replace-partitions replaces exactly the touched partitions, across several commits, and a rerun changes nothing', async () => {
    const filesOf = async (day: string) => {
      const loaded = await catalog.loadTable(TABLE);
      const live = await liveDataFiles(p.warehouseIo, loaded.metadata);
      return live
        .filter((e) => e.data_file.file_path.includes(`day=${day}`))
        .map((e) => e.data_file.file_path)
        .sort();
    };
    const untouched = [await filesOf(DAYS[0] as string), await filesOf(DAYS[2] as string)];
    expect(untouched[0]?.length).toBeGreaterThan(0);

    // Day 2 reprocessed: its files are rewritten with new amounts (new ETags: new data).
    await landHistory(10, [DAYS[1] as string]);
    // 6 files in chunks of 1, 2 chunks per commit: 3 overwrite snapshots for one partition.
    const input = {
      table: 'hist.orders',
      source: `s3://landing/hist/orders/${DAYS[1]}/`,
      mode: 'replace-partitions',
      maxChunkFiles: 1,
    };
    const run = await runStateMachine(input);
    expect(run.summary).toMatchObject({ complete: true, committed: PER_DAY, rows: PER_DAY * 2 });
    expect(run.summary.snapshots).toHaveLength(3);
    expect(run.results.every((r) => r.requests?.length === 1 && r.spilled === undefined)).toBe(true);

    const byDay = await queryTable(
      catalog,
      p.warehouseIo,
      TABLE,
      'select "day"::varchar d, count(*)::int n, sum(amount)::double total from t group by 1 order by 1',
    );
    const expectedTotal = (scale: number) =>
      Array.from({ length: PER_DAY }, (_, i) => 2 * i * scale + 0.5).reduce((a, b) => a + b, 0);
    expect(byDay).toEqual([
      { d: DAYS[0], n: PER_DAY * 2, total: expectedTotal(1) },
      { d: DAYS[1], n: PER_DAY * 2, total: expectedTotal(10) },
      { d: DAYS[2], n: PER_DAY * 2, total: expectedTotal(1) },
    ]);
    // The other partitions keep the very same data files.
    expect([await filesOf(DAYS[0] as string), await filesOf(DAYS[2] as string)]).toEqual(untouched);

    const before = await snapshots();
    const again = await runStateMachine(input);
    expect(again.summary).toMatchObject({ complete: true, committed: 0, skipped: PER_DAY });
    expect(await snapshots()).toBe(before);
    expect(
      await queryTable(
        catalog,
        p.warehouseIo,
        TABLE,
        'select "day"::varchar d, count(*)::int n from t group by 1 order by 1',
      ),
    ).toEqual(DAYS.map((d) => ({ d, n: PER_DAY * 2 })));
  }, 60_000);

  /** A Plan step context on the test's catalog and s3rver, listing through `s3` (mocked per test). */
  const planContext = (s3: S3Client, reservedPrefixes: string[]): BackfillStepsContext => ({
    catalog,
    config: { landingPrefix: '', defaults: undefined as never, routes: [] },
    landingIo: p.warehouseIo,
    tableIo: () => p.warehouseIo,
    backfillLocation: 's3://landing/_floe/backfill/',
    errorsLocation: () => 's3://landing/_floe/errors/',
    reservedPrefixes,
    versions: s3ObjectVersions(s3),
  });
  const manifestOf = async (planned: BackfillPlanSummary) =>
    JSON.parse(
      new TextDecoder().decode(await p.warehouseIo.read(`s3://${planned.manifestBucket}/${planned.manifestKey}`)),
    ) as BackfillManifestChunk[];

  it('plans the latest object versions with their version ids, so ingest ids match live events on a versioned bucket', async () => {
    // s3rver has no versioning (it answers ListObjectVersions with MethodNotAllowed), so S3 is mocked for the listing only.
    const s3 = new S3Client({ region: 'us-east-1' });
    mockClient(s3)
      .on(ListObjectVersionsCommand)
      .resolves({
        IsTruncated: false,
        Versions: [
          { Key: 'v/a.csv', VersionId: 'v1', IsLatest: false, Size: 9, ETag: '"old"' },
          { Key: 'v/a.csv', VersionId: 'v2', IsLatest: true, Size: 10, ETag: '"new"' },
          { Key: 'v/b.csv', VersionId: 'null', IsLatest: true, Size: 5, ETag: '"b"' },
          { Key: 'v/_floe/x.json', VersionId: 'v3', IsLatest: true, Size: 5, ETag: '"x"' },
        ],
      });
    const planned = await planBackfillStep(planContext(s3, ['v/_floe/']), {
      table: 'hist.versioned',
      source: 's3://landing/v/',
    });
    const [chunk] = await manifestOf(planned);
    expect(chunk?.objects.map((o) => [o.path, o.versionId])).toEqual([
      ['s3://landing/v/a.csv', 'v2'],
      ['s3://landing/v/b.csv', undefined],
    ]);
    // The id live ingestion derives from the S3 event of that version.
    const event = s3EventNotification('landing', 'v/a.csv', { size: 10, eTag: 'new' });
    (event.Records[0] as { s3: { object: Record<string, unknown> } }).s3.object.versionId = 'v2';
    const [landed] = landedObjectsFrom(event);
    expect(ingestId({ bucket: 'landing', key: 'v/a.csv', versionId: chunk?.objects[0]?.versionId })).toBe(
      ingestId(landed as never),
    );
  });

  it('reads version ids with HeadObject when the role may not list versions, and for a key manifest', async () => {
    await put('w/a.csv', 'id\n1\n');
    await put('w/b.csv', 'id\n2\n');
    await put('w/keys.txt', '# keys to backfill\nb.csv\n');
    const s3 = new S3Client({ region: 'us-east-1' });
    const mock = mockClient(s3);
    mock.on(ListObjectVersionsCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDenied' }));
    mock.on(HeadObjectCommand, { Key: 'w/a.csv' }).resolves({ VersionId: 'va', ETag: '"ea"' });
    mock.on(HeadObjectCommand, { Key: 'w/b.csv' }).resolves({ VersionId: 'vb', ETag: '"eb"' });
    mock.on(HeadObjectCommand, { Key: 'w/keys.txt' }).resolves({ VersionId: 'vk', ETag: '"ek"' });
    const ctx = planContext(s3, ['_floe/']);
    const objectsOf = async (planned: BackfillPlanSummary) =>
      (await manifestOf(planned)).flatMap((c) => c.objects).map((o) => [o.path, o.versionId]);
    const listed = await planBackfillStep(ctx, {
      table: 'hist.w',
      source: 's3://landing/w/',
      mode: 'replace-partitions',
    });
    expect(await objectsOf(listed)).toEqual([
      ['s3://landing/w/a.csv', 'va'],
      ['s3://landing/w/b.csv', 'vb'],
      ['s3://landing/w/keys.txt', 'vk'],
    ]);
    const fromManifest = await planBackfillStep(ctx, { table: 'hist.w', manifest: 's3://landing/w/keys.txt' });
    expect(await objectsOf(fromManifest)).toEqual([['s3://landing/w/b.csv', 'vb']]);
  });

  it('reports a failed Map Run (ReportFailure) as incomplete, with its error', async () => {
    const planned = await plan(
      { table: 'hist.orders', source: 's3://landing/hist/orders/2024-01-01/' },
      lambdaContext('p'),
    );
    const error = { Error: 'States.ExceedToleratedFailureThreshold', Cause: 'too many failed children' };
    const out = await report({ status: 'FAILED', plan: planned, error }, lambdaContext('r'));
    expect(out).toMatchObject({ status: 'FAILED', complete: false, unaccounted: planned.files, error });
    expect(JSON.parse(new TextDecoder().decode(await p.warehouseIo.read(out.reportPath)))).toMatchObject({
      status: 'FAILED',
      error,
    });
  });

  it('rejects malformed input to a step with a non-retried error', async () => {
    await expect(plan({ source: 's3://landing/hist/' }, lambdaContext('p'))).rejects.toMatchObject({
      name: 'BackfillInputError',
    });
    await expect(
      plan({ table: 'hist.orders', source: '/tmp/x', mode: 'append' }, lambdaContext('p')),
    ).rejects.toMatchObject({ name: 'BackfillInputError' });
    await expect(commit({ converted: [] }, lambdaContext('c'))).rejects.toMatchObject({ name: 'BackfillInputError' });
  });
});
