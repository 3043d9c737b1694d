/**
 * Commit events and history rows from real outcomes: `SchemaEvolved` after a file adds a
 * column (through runLocalIngest over the embedded catalog), and the history rows of convert
 * outcomes (`partial`, `duplicate` from convert's own dedup, `skipped`, floe's own objects).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitEvents } from '../../lib/ingest/commit-events.js';
import type { ConvertOutcome } from '../../lib/ingest/convert-object.js';
import { historyRowForConvert } from '../../lib/ingest/history-row.js';
import type { LandedObject } from '../../lib/ingest/landed-event.js';
import { runLocalIngest } from '../support/local-ingest.js';
import { startTestCatalog, type TestCatalog } from '../support/catalog-server.js';

describe('commit events', () => {
  let env: TestCatalog;
  let dir: string;
  beforeAll(async () => {
    env = await startTestCatalog();
    dir = await mkdtemp(join(tmpdir(), 'floe-events-'));
  });
  afterAll(async () => {
    await env?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('TableCommitted per snapshot, and SchemaEvolved with the added and widened columns', async () => {
    await writeFile(join(dir, 'a.csv'), 'id,name\n1,ann\n');
    await writeFile(join(dir, 'b.csv'), 'id,name,score\n2,bob,1.5\n');
    const ingest = (file: string) =>
      runLocalIngest({ files: [join(dir, file)], table: 'db.people', catalog: env.catalog, root: dir });
    const first = commitEvents({ requests: [], tables: (await ingest('a.csv')).commits });
    expect(first.map((e) => e.type)).toEqual(['floe.TableCommitted']);
    const second = commitEvents({ requests: [], tables: (await ingest('b.csv')).commits });
    expect(second.map((e) => e.type)).toEqual(['floe.TableCommitted', 'floe.SchemaEvolved']);
    const committed = second[0]?.detail as unknown as Record<string, unknown>;
    expect(committed).toMatchObject({
      table: 'db.people',
      sequenceNumber: 2,
      addedRows: 1,
      sourceKeys: ['local/b.csv'],
    });
    expect(committed.eventId).toBe(`db.people@${committed.snapshotId}`);
    expect(second[1]?.detail).toMatchObject({
      table: 'db.people',
      previousSchemaId: 0,
      schemaId: 1,
      added: [{ name: 'score', type: 'double' }],
      widened: [],
    });
  });
});

describe('history rows of convert outcomes', () => {
  const object: LandedObject = { bucket: 'landing', key: 'sales/orders/a.csv', size: 99, etag: 'e1', eventTime: 1000 };

  it('partial for rejected rows, duplicate for a late redelivery, nothing for floe’s own objects', () => {
    const enqueued = {
      status: 'enqueued',
      key: object.key,
      ingestId: 'i1',
      table: 'sales.orders',
      rows: 5,
      bytes: 99,
      dataFiles: 1,
      rejectedRows: 2,
      passes: 1,
      reportPath: 's3://landing/_floe/errors/sales/orders/a.csv.error.json',
    } as unknown as ConvertOutcome;
    expect(historyRowForConvert(object, enqueued, 3000)).toMatchObject({
      outcome: 'partial',
      rows: 5,
      rejected_rows: 2,
      error_report: 's3://landing/_floe/errors/sales/orders/a.csv.error.json',
      latency_ms: 2000,
    });
    expect(historyRowForConvert(object, { ...enqueued, rejectedRows: 0 } as ConvertOutcome)).toBeUndefined();
    const late: ConvertOutcome = {
      status: 'skipped',
      key: object.key,
      reason: 'already committed to sales.orders (ingest id i1)',
    };
    expect(historyRowForConvert(object, late)).toMatchObject({
      outcome: 'duplicate',
      target_table: 'sales.orders',
      ingest_id: 'i1',
    });
    const own: ConvertOutcome = {
      status: 'skipped',
      key: '_floe/errors/x.error.json',
      reason: "floe's own prefix _floe/",
    };
    expect(historyRowForConvert({ ...object, key: own.key }, own)).toBeUndefined();
    const marker: ConvertOutcome = { status: 'skipped', key: 'x/_SUCCESS', reason: 'folder marker' };
    expect(historyRowForConvert(object, marker)).toMatchObject({ outcome: 'skipped', reason: 'folder marker' });
    // One id per object version and outcome: a second version is a new row.
    expect(historyRowForConvert({ ...object, etag: 'e2' }, marker)?.history_id).not.toBe(
      historyRowForConvert(object, marker)?.history_id,
    );
  });
});
