/**
 * Load history and commit events through the real Lambda handlers (s3rver, embedded catalog over
 * HTTP; SQS, Secrets Manager and EventBridge mocked): a good file, its redelivery after a crash
 * before the ack, a bad file and a skipped one end as exactly one history row per outcome, read
 * back by DuckDB (data files) and icebird (metadata); the events reach EventBridge.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenExchangeAuth } from '../../lib/catalog/rest/auth.js';
import { RestCatalog } from '../../lib/catalog/rest/client.js';
import { findCurrentMetadata } from '../../lib/local/table-paths.js';
import {
  deliverCommitBatch,
  lambdaContext,
  PAT,
  type Pipeline,
  startPipeline,
  takeFifoBatch,
} from '../functions/pipeline-harness.js';
import { queryTable } from '../functions/verify-table.js';
import { s3EventNotification, sqsEvent, sqsRecord } from '../ingest/events.js';
import { readTableWithIcebird } from '../support/icebird.js';

describe('load history and events from the handlers', () => {
  let p: Pipeline;
  let catalog: RestCatalog;
  let dir: string;
  beforeAll(async () => {
    p = await startPipeline({ FLOE_HISTORY_TABLE: 'floe.ingest_history', FLOE_EVENT_BUS: 'floe-bus' });
    catalog = new RestCatalog({
      uri: p.server.url,
      auth: tokenExchangeAuth({ tokenEndpoint: p.server.tokenUrl, subjectToken: PAT }),
    });
    dir = await mkdtemp(join(tmpdir(), 'floe-history-'));
  });
  afterAll(async () => {
    await p?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  async function land(key: string, body: string) {
    const out = await p.s3.client.send(new PutObjectCommand({ Bucket: 'landing', Key: key, Body: body }));
    return sqsRecord(
      JSON.stringify(
        s3EventNotification('landing', key, {
          size: Buffer.byteLength(body),
          eTag: (out.ETag ?? '').replace(/"/g, ''),
        }),
      ),
    );
  }

  it('records one row per outcome (a redelivery is a duplicate) and publishes the events', async () => {
    const good = await land('sales/orders/a.csv', 'id,amount\n1,10.5\n2,11\n');
    const bad = await land('sales/orders/bad.csv', 'id,amount\n1,2\n4,x\n');
    const hidden = await land('sales/orders/_SUCCESS', 'x');
    expect((await p.convert(sqsEvent([good]), lambdaContext('floe-convert'))).batchItemFailures).toEqual([]);
    // bad.csv is converted after a.csv created the table, so its "x" is not a double
    expect((await p.convert(sqsEvent([bad, hidden]), lambdaContext('floe-convert'))).batchItemFailures).toEqual([]);

    // The commit lands, then the Lambda dies before the ack: SQS redelivers the same messages.
    const first = takeFifoBatch(p, 10, (groups) => groups.filter((g) => g === 'sales.orders'));
    expect(first).toHaveLength(1);
    await deliverCommitBatch(p, first, { crashBeforeAck: true });
    // Everything else, in FIFO batches, until the queue is empty (history group included).
    for (let round = 0; round < 10 && p.fifo.size > 0; round++) {
      expect(await deliverCommitBatch(p, takeFifoBatch(p))).toEqual([]);
    }
    expect(p.fifo.size).toBe(0);
    // The history group got its own messages.
    expect(p.sent.some((m) => m.MessageGroupId === 'floe.ingest_history')).toBe(true);

    const id = { namespace: ['floe'], name: 'ingest_history' };
    const rows = await queryTable(
      catalog,
      p.warehouseIo,
      id,
      `select key, outcome, target_table, rows, line, "column", value, reason, error_report,
              snapshot_id::varchar as snapshot_id, latency_ms >= 0 as timed from t order by key, outcome`,
    );
    const orders = await catalog.loadTable({ namespace: ['sales'], name: 'orders' });
    const snapshotId = orders.metadata['current-snapshot-id']?.toString();
    expect(rows).toEqual([
      expect.objectContaining({
        key: 'sales/orders/_SUCCESS',
        outcome: 'skipped',
        reason: expect.stringMatching(/hidden/),
      }),
      expect.objectContaining({ key: 'sales/orders/a.csv', outcome: 'committed', rows: '2', snapshot_id: snapshotId }),
      expect.objectContaining({ key: 'sales/orders/a.csv', outcome: 'duplicate', rows: '0', snapshot_id: null }),
      expect.objectContaining({
        key: 'sales/orders/bad.csv',
        outcome: 'rejected',
        target_table: 'sales.orders',
        line: '3',
        column: 'amount',
        value: 'x',
        error_report: 's3://landing/_floe/errors/sales/orders/bad.csv.error.json',
      }),
    ]);
    expect(rows.every((r) => r.timed === true)).toBe(true);

    // icebird over the table's own metadata (mirrored from s3rver).
    const history = await catalog.loadTable(id);
    const location = history.metadata.location.replace(/\/$/, '');
    const local = join(dir, 'ingest_history');
    for await (const file of p.warehouseIo.list(`${location}/`)) {
      const target = join(local, file.path.slice(location.length + 1));
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, await p.warehouseIo.read(file.path));
    }
    const viaIcebird = await readTableWithIcebird(findCurrentMetadata(local));
    expect(viaIcebird.map((r) => `${r.key}:${r.outcome}`).sort()).toEqual([
      'sales/orders/_SUCCESS:skipped',
      'sales/orders/a.csv:committed',
      'sales/orders/a.csv:duplicate',
      'sales/orders/bad.csv:rejected',
    ]);

    // Events: one TableCommitted event, sent twice with the same event id (at least once: the
    // redelivery committed nothing, and sends the event again in case the first run died before
    // publishing it), one FileRejected.
    const entries = p.events.commandCalls(PutEventsCommand).flatMap((c) => c.args[0].input.Entries ?? []);
    expect(entries.every((e) => e.EventBusName === 'floe-bus' && e.Source === 'floe')).toBe(true);
    const sentTwice = entries
      .filter((e) => e.DetailType === 'floe.TableCommitted')
      .map((e) => JSON.parse(e.Detail ?? '{}'));
    expect(sentTwice).toHaveLength(2);
    expect(sentTwice[1]).toEqual(sentTwice[0]);
    const committed = sentTwice.slice(0, 1);
    expect(committed).toEqual([
      expect.objectContaining({
        eventId: `sales.orders@${snapshotId}`,
        table: 'sales.orders',
        snapshotId,
        sequenceNumber: 1,
        operation: 'append',
        addedRows: 2,
        addedFiles: 1,
        sourceKeys: ['landing/sales/orders/a.csv'],
      }),
    ]);
    expect(committed[0].addedBytes).toBeGreaterThan(0);
    const rejected = entries
      .filter((e) => e.DetailType === 'floe.FileRejected')
      .map((e) => JSON.parse(e.Detail ?? '{}'));
    expect(rejected).toEqual([
      expect.objectContaining({
        key: 'sales/orders/bad.csv',
        line: 3,
        column: 'amount',
        reportLocation: 's3://landing/_floe/errors/sales/orders/bad.csv.error.json',
      }),
    ]);
  });
});
