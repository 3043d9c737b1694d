/**
 * The backfill handlers with a `fromTable` execution input (issue 17): Plan lists the source
 * table's live data files through the catalog (partitions pruned by `where`), every ConvertChunk
 * reads them with the source's vended credentials and applies the plan's select/where, CommitBatch
 * commits; a second run adds nothing. Real parts: s3rver and the embedded catalog over HTTP;
 * DuckDB reads both tables from the outside.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenExchangeAuth } from '../../lib/catalog/rest/auth.js';
import { RestCatalog } from '../../lib/catalog/rest/client.js';
import type {
  BackfillManifestChunk,
  BackfillPlanSummary,
  CommittedBatch,
  ConvertedChunk,
} from '../../lib/ingest/backfill-steps.js';
import { lambdaContext, PAT, type Pipeline, startPipeline } from './pipeline-harness.js';
import { queryTable } from './verify-table.js';

type Step<I, O> = (input: I, context: ReturnType<typeof lambdaContext>) => Promise<O>;

describe('from_table backfill on the state machine handlers', () => {
  let p: Pipeline;
  let catalog: RestCatalog;
  let plan: Step<unknown, BackfillPlanSummary>;
  let convert: Step<unknown, ConvertedChunk>;
  let commit: Step<unknown, CommittedBatch>;

  beforeAll(async () => {
    p = await startPipeline({
      FLOE_CONFIG: JSON.stringify({
        routes: [
          { match: 'raw/orders/**', table: 'raw.orders', auto_create: { partition_spec: [{ column: 'region' }] } },
        ],
      }),
    });
    catalog = new RestCatalog({
      uri: p.server.url,
      auth: tokenExchangeAuth({ tokenEndpoint: p.server.tokenUrl, subjectToken: PAT }),
    });
    plan = (await import('../../functions/backfill-plan.js')).handler as unknown as typeof plan;
    convert = (await import('../../functions/backfill-convert.js')).handler as unknown as typeof convert;
    commit = (await import('../../functions/backfill-commit.js')).handler as unknown as typeof commit;
  }, 30_000);
  afterAll(async () => p?.stop());

  async function runStateMachine(input: Record<string, unknown>) {
    const planned = await plan(input, lambdaContext('floe-backfill-plan'));
    const body = await p.warehouseIo.read(`s3://${planned.manifestBucket}/${planned.manifestKey}`);
    const items = JSON.parse(new TextDecoder().decode(body)) as BackfillManifestChunk[];
    const converted: ConvertedChunk[] = [];
    for (const item of items)
      converted.push(await convert({ chunk: item, plan: planned }, lambdaContext('floe-backfill-convert')));
    const committed =
      items.length > 0 ? await commit({ plan: planned, converted }, lambdaContext('floe-backfill-commit')) : undefined;
    return { planned, converted, committed };
  }

  it('loads a filtered, transformed copy of a table, pruned by partition, exactly once', async () => {
    const files: Record<string, string> = {
      'raw/orders/a.csv': 'id,region,amount\n1,eu,10.5\n2,us,3\n3,eu,-1\n',
      'raw/orders/b.csv': 'id,region,amount\n4,eu,7.25\n5,apac,8\n',
    };
    for (const [key, body] of Object.entries(files))
      await p.s3.client.send(new PutObjectCommand({ Bucket: 'landing', Key: key, Body: body }));
    await runStateMachine({ table: 'raw.orders', source: 's3://landing/raw/orders/' });
    const source = await queryTable(
      catalog,
      p.warehouseIo,
      { namespace: ['raw'], name: 'orders' },
      'select count(*)::int n from t',
    );
    expect(source).toEqual([{ n: 5 }]);

    const input = {
      table: 'bronze.orders',
      fromTable: 'raw.orders',
      select: 'id, upper(region) AS region, CAST(amount AS DECIMAL(10,2)) AS amount, _source_version AS src',
      where: "region = 'eu' AND amount > 0",
    };
    const first = await runStateMachine(input);
    // Two eu files of four (a.csv and b.csv each wrote one file per region): us and apac are pruned.
    expect(first.planned).toMatchObject({
      fromTable: 'raw.orders',
      files: 2,
      source: expect.stringMatching(/^raw\.orders@\d+$/),
    });
    expect(first.converted.reduce((n, c) => n + c.converted, 0)).toBe(2);
    const rows = await queryTable(
      catalog,
      p.warehouseIo,
      { namespace: ['bronze'], name: 'orders' },
      "select id::int id, region, amount::varchar amount, src like 'snapshot-%' src from t order by id",
    );
    expect(rows).toEqual([
      { id: 1, region: 'EU', amount: '10.50', src: true },
      { id: 4, region: 'EU', amount: '7.25', src: true },
    ]);

    const again = await runStateMachine(input);
    expect(again.converted.reduce((n, c) => n + c.skipped, 0)).toBe(2);
    expect((await catalog.loadTable({ namespace: ['bronze'], name: 'orders' })).metadata.snapshots).toHaveLength(1);
  });

  it('rejects a bad transform at plan time, naming the expression', async () => {
    await expect(
      plan({ table: 'bronze.x', fromTable: 'raw.orders', select: 'nope(id) AS n' }, lambdaContext('p')),
    ).rejects.toThrow(/unknown function nope in "nope\(id\)"/);
  });
});
