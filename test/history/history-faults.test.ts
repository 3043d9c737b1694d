/**
 * The load history under the faults of the exactly-once suite, through the real handlers:
 * landed records delivered twice, commit batches (data and history groups alike) acknowledged
 * only on the second delivery (crash before the ack), and catalog commits applied then answered
 * 500. Every landed file still has exactly one `committed` row, redeliveries are `duplicate`
 * rows, and no outcome of a file is recorded twice.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenExchangeAuth } from '../../lib/catalog/rest/auth.js';
import { RestCatalog } from '../../lib/catalog/rest/client.js';
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

const FILES = 12;

describe('load history under faults (handlers)', () => {
  let p: Pipeline;
  let catalog: RestCatalog;
  beforeAll(async () => {
    p = await startPipeline({ FLOE_HISTORY_TABLE: 'floe.ingest_history', FLOE_EVENT_BUS: 'off' });
    catalog = new RestCatalog({
      uri: p.server.url,
      auth: tokenExchangeAuth({ tokenEndpoint: p.server.tokenUrl, subjectToken: PAT }),
    });
  });
  afterAll(async () => p?.stop());

  it('records each outcome once: one committed row per file, redeliveries as duplicates', async () => {
    const records = [];
    for (let i = 0; i < FILES; i++) {
      const key = `sales/orders/f${String(i).padStart(2, '0')}.csv`;
      const body = `id,amount\n${i},1.5\n`;
      const out = await p.s3.client.send(new PutObjectCommand({ Bucket: 'landing', Key: key, Body: body }));
      records.push(
        sqsRecord(
          JSON.stringify(
            s3EventNotification('landing', key, {
              size: Buffer.byteLength(body),
              eTag: (out.ETag ?? '').replace(/"/g, ''),
            }),
          ),
        ),
      );
    }
    // Every third landed record is delivered twice (S3 events are at least once).
    for (const [i, record] of records.entries()) {
      await p.convert(sqsEvent([record]), lambdaContext('floe-convert'));
      if (i % 3 === 0) await p.convert(sqsEvent([record]), lambdaContext('floe-convert'));
    }

    let round = 0;
    while (p.fifo.size > 0 && round < 60) {
      round++;
      // Small batches, so crashes land between data and history commits.
      const batch = takeFifoBatch(p, 3);
      if (round % 4 === 1) p.server.faults.applyThenFail(1, 500);
      // Odd rounds: the Lambda dies after its work, before the ack; the batch comes back.
      await deliverCommitBatch(p, batch, { crashBeforeAck: round % 2 === 1 });
    }
    expect(p.fifo.size).toBe(0);

    const ids = await queryTable(
      catalog,
      p.warehouseIo,
      { namespace: ['sales'], name: 'orders' },
      'select id from t order by id',
    );
    expect(ids.map((r) => Number(r.id))).toEqual(Array.from({ length: FILES }, (_, i) => i));

    const history = await queryTable(
      catalog,
      p.warehouseIo,
      { namespace: ['floe'], name: 'ingest_history' },
      'select key, outcome, count(*) as n from t group by key, outcome order by key, outcome',
    );
    // No outcome of a file is recorded twice.
    expect(history.filter((r) => Number(r.n) !== 1)).toEqual([]);
    const committed = history.filter((r) => r.outcome === 'committed').map((r) => r.key);
    expect(committed).toHaveLength(FILES);
    // Redeliveries happened (the crashes above) and are recorded as duplicates of committed files.
    const duplicates = history.filter((r) => r.outcome === 'duplicate').map((r) => r.key);
    expect(duplicates.length).toBeGreaterThan(0);
    for (const key of duplicates) expect(committed).toContain(key);
    expect(history.every((r) => r.outcome === 'committed' || r.outcome === 'duplicate')).toBe(true);
  });
});
