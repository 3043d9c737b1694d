/**
 * The load history table: rows committed through the embedded catalog over HTTP, read back by
 * DuckDB (its Parquet data files) and icebird (its metadata); a redelivered batch adds nothing.
 */

import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snapshotFiles } from '../../lib/iceberg/scan.js';
import type { HistoryRow } from '../../lib/ingest/history-row.js';
import { historyId } from '../../lib/ingest/history-row.js';
import { commitHistoryRows, DEFAULT_HISTORY_TABLE } from '../../lib/ingest/history-table.js';
import { startTestCatalog, type TestCatalog } from '../support/catalog-server.js';
import { openDuckDb, sqlString } from '../support/duckdb.js';
import { readTableWithIcebird } from '../support/icebird.js';

function sampleRow(key: string, outcome: HistoryRow['outcome'], extra: Partial<HistoryRow> = {}): HistoryRow {
  const landed = Date.UTC(2026, 11, 4, 10, 0, 0);
  return {
    history_id: historyId({ bucket: 'landing', key, etag: 'e1' }, outcome),
    key,
    bucket: 'landing',
    version_id: null,
    etag: 'e1',
    ingest_id: 'i0123',
    target_table: 'sales.orders',
    outcome,
    rows: 0,
    bytes: 10,
    rejected_rows: 0,
    error_class: null,
    reason: null,
    line: null,
    column: null,
    value: null,
    error_report: null,
    snapshot_id: null,
    landed_at: landed,
    committed_at: null,
    recorded_at: landed + 1500,
    latency_ms: 1500,
    ...extra,
  };
}

describe('floe.ingest_history', () => {
  let env: TestCatalog;
  beforeAll(async () => {
    env = await startTestCatalog();
  });
  afterAll(async () => {
    await env?.close();
  });

  it('is created on first use, partitioned by day, and records each outcome exactly once', async () => {
    const rows = [
      sampleRow('a.csv', 'committed', {
        rows: 3,
        snapshot_id: '9007199254740993',
        committed_at: Date.UTC(2026, 11, 4, 10, 0, 1),
      }),
      sampleRow('a.csv', 'duplicate'),
      sampleRow('bad.csv', 'rejected', {
        error_class: 'BadInputError',
        reason: 'not a valid int',
        line: 3,
        column: 'id',
        value: 'x',
      }),
    ];
    const context = { catalog: env.catalog, tableIo: () => env.io };
    const first = await commitHistoryRows(rows, context);
    expect(first).toMatchObject({ table: DEFAULT_HISTORY_TABLE, added: 3, alreadyRecorded: 0 });
    // The same batch again (a redelivery), plus one outcome reported twice in a batch.
    const again = await commitHistoryRows(
      [...rows, sampleRow('b.csv', 'skipped'), sampleRow('b.csv', 'skipped')],
      context,
    );
    expect(again).toMatchObject({ added: 1, alreadyRecorded: 3 });

    const table = await env.catalog.loadTable({ namespace: ['floe'], name: 'ingest_history' });
    expect(table.metadata['partition-specs'][0]?.fields[0]).toMatchObject({ transform: 'day', name: 'landed_at_day' });
    expect(table.metadata.snapshots).toHaveLength(2);

    const files = await snapshotFiles(env.io, table.metadata, {});
    const db = await openDuckDb();
    try {
      const paths = (files?.dataEntries ?? []).map((e) => {
        const path = e.data_file.file_path;
        return sqlString(path.startsWith('file:') ? fileURLToPath(path) : path);
      });
      const found = await db.queryJson(
        `SELECT key, outcome, snapshot_id::VARCHAR AS snapshot_id, line, "column", landed_at::VARCHAR AS landed_at
           FROM read_parquet([${paths.join(',')}]) ORDER BY key, outcome`,
      );
      expect(found).toEqual([
        {
          key: 'a.csv',
          outcome: 'committed',
          snapshot_id: '9007199254740993',
          line: null,
          column: null,
          landed_at: '2026-12-04 10:00:00+00',
        },
        {
          key: 'a.csv',
          outcome: 'duplicate',
          snapshot_id: null,
          line: null,
          column: null,
          landed_at: '2026-12-04 10:00:00+00',
        },
        {
          key: 'b.csv',
          outcome: 'skipped',
          snapshot_id: null,
          line: null,
          column: null,
          landed_at: '2026-12-04 10:00:00+00',
        },
        {
          key: 'bad.csv',
          outcome: 'rejected',
          snapshot_id: null,
          line: '3',
          column: 'id',
          landed_at: '2026-12-04 10:00:00+00',
        },
      ]);
      const ids = await db.query(`SELECT field_id FROM parquet_schema(${paths[0]}) WHERE name = 'outcome'`);
      expect(Number(ids[0]?.field_id)).toBe(8);
    } finally {
      db.close();
    }
    const viaIcebird = await readTableWithIcebird(table.metadataLocation);
    expect(viaIcebird.map((r) => `${r.key}:${r.outcome}`).sort()).toEqual([
      'a.csv:committed',
      'a.csv:duplicate',
      'b.csv:skipped',
      'bad.csv:rejected',
    ]);
  });
  it('records a batch once under catalog faults: applied-then-500, dropped connection, 409, redelivery', async () => {
    const table = 'ops.history_faults';
    const context = {
      catalog: env.catalog,
      tableIo: () => env.io,
      table,
      commit: { retry: { minWaitMs: 1, maxWaitMs: 5 } },
    };
    const batch = (prefix: string) => [
      sampleRow(`${prefix}-1.csv`, 'committed'),
      sampleRow(`${prefix}-2.csv`, 'rejected'),
    ];
    // Create the table first, so the faults below hit the appends.
    await commitHistoryRows(batch('warm'), context);

    env.server.faults.applyThenFail(1, 500);
    expect(await commitHistoryRows(batch('a'), context)).toMatchObject({ added: 2 });
    env.server.faults.dropConnection(1, { apply: true });
    expect(await commitHistoryRows(batch('b'), context)).toMatchObject({ added: 2 });
    env.server.faults.failNextCommits(2, 409);
    expect(await commitHistoryRows(batch('c'), context)).toMatchObject({ added: 2 });
    // The whole sequence delivered again (the Lambda died before the ack): nothing new.
    for (const prefix of ['warm', 'a', 'b', 'c']) {
      expect(await commitHistoryRows(batch(prefix), context)).toMatchObject({ added: 0, alreadyRecorded: 2 });
    }
    const loaded = await env.catalog.loadTable({ namespace: ['ops'], name: 'history_faults' });
    const rows = await readTableWithIcebird(loaded.metadataLocation);
    const keys = rows.map((r) => `${r.key}:${r.outcome}`).sort();
    expect(keys).toHaveLength(8);
    expect(new Set(keys).size).toBe(8);
  });
});
