/**
 * The ingest ledger survives snapshot expiry (issue 13): an id committed within the dedup window
 * is recognised after every snapshot that recorded it was expired, by floe or by another engine.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IngestLedger } from '../../lib/ingest/ingest-ledger.js';
import { expireSnapshots } from '../../lib/ingest/maintain/expire.js';
import type { FileIO } from '../../lib/iceberg/file-io.js';
import { countsBySource, DAY, type Kit, startKit } from './maintain-kit.js';

/** An engine outside floe expiring every snapshot but the current one (as Spark's expire_snapshots). */
async function outsideExpireAllButHead(kit: Kit): Promise<void> {
  const table = await kit.load();
  const head = table.metadata['current-snapshot-id'];
  const ids = table.metadata.snapshots.map((s) => s['snapshot-id']).filter((s) => s !== head);
  await kit.env.catalog.commitTable(kit.id, {
    requirements: [{ type: 'assert-table-uuid', uuid: table.metadata['table-uuid'] }],
    updates: [{ action: 'remove-snapshots', 'snapshot-ids': ids }],
  });
}

describe('ingest ledger markers', () => {
  let kit: Kit;
  beforeEach(async () => {
    kit = await startKit();
  });
  afterEach(async () => kit.close());

  it('recognises a redelivered file after an outside engine expired its snapshot', async () => {
    await kit.land('a.csv', [[1, '2026-01-01']]);
    kit.clock.now += DAY;
    await kit.land('b.csv', [[2, '2026-01-01']]);
    await outsideExpireAllButHead(kit);
    expect((await kit.load()).metadata.snapshots).toHaveLength(1);

    const again = await kit.land('a.csv', [[1, '2026-01-01']]);
    expect(again.requests[0]?.status).toBe('duplicate');
    expect(await countsBySource(kit.env.catalog, kit.env.io, kit.id)).toEqual({ 'a.csv': 1, 'b.csv': 1 });
  });

  it('without markers the same redelivery is committed twice (what the markers prevent)', async () => {
    await kit.land('a.csv', [[1, '2026-01-01']], { ledger: null });
    await kit.land('b.csv', [[2, '2026-01-01']], { ledger: null });
    await outsideExpireAllButHead(kit);
    const again = await kit.land('a.csv', [[1, '2026-01-01']], { ledger: null });
    expect(again.requests[0]?.status).toBe('committed');
  });

  it('a crash between the commit and the marker write is repaired by the redelivery', async () => {
    // A ledger store that cannot be written: the crash between the catalog commit and the markers.
    const failing = Object.create(kit.env.io) as FileIO;
    failing.write = async () => {
      throw new Error('injected: crash before the marker write');
    };
    const broken = new IngestLedger(failing, kit.ledger.root);
    const first = await kit.land('a.csv', [[1, '2026-01-01']], { ledger: broken });
    expect(first.tables[0]?.outcome).toBe('failed'); // committed, but not acknowledged
    expect(await countsBySource(kit.env.catalog, kit.env.io, kit.id)).toEqual({ 'a.csv': 1 });
    const uuid = (await kit.load()).metadata['table-uuid'];
    const [request] = [await kit.requestFor('a.csv', [[1, '2026-01-01']])];
    expect(await kit.ledger.read(uuid, request?.ingestId as string)).toBeUndefined();

    const redelivered = await kit.land('a.csv', [[1, '2026-01-01']]);
    expect(redelivered.requests[0]?.status).toBe('duplicate');
    expect(await kit.ledger.read(uuid, request?.ingestId as string)).toMatchObject({ sourceKey: 'landing/a.csv' });
  });

  it("floe's own expiry writes markers for the ids of the snapshots it removes", async () => {
    await kit.land('a.csv', [[1, '2026-01-01']], { ledger: null });
    kit.clock.now += 10 * DAY;
    await kit.land('b.csv', [[2, '2026-01-01']], { ledger: null });
    const report = await expireSnapshots(kit.id, kit.context());
    expect(report.expiredSnapshots).toBe(1);
    expect(report.ledgerMarkers).toBe(1);
    const again = await kit.land('a.csv', [[1, '2026-01-01']]);
    expect(again.requests[0]?.status).toBe('duplicate');
  });

  it('markers older than the dedup window no longer count, and prune removes them', async () => {
    await kit.land('a.csv', [[1, '2026-01-01']]);
    const uuid = (await kit.load()).metadata['table-uuid'];
    const id = (await kit.requestFor('a.csv', [[1, '2026-01-01']])).ingestId;
    expect(await kit.ledger.held(uuid, [id], 7 * DAY, kit.clock.now + DAY)).toEqual(new Set([id]));
    expect(await kit.ledger.held(uuid, [id], 7 * DAY, kit.clock.now + 8 * DAY)).toEqual(new Set());
    expect(await kit.ledger.prune(uuid, 7 * DAY, kit.clock.now + DAY)).toBe(0);
    expect(await kit.ledger.prune(uuid, 7 * DAY, kit.clock.now + 8 * DAY)).toBe(1);
  });
});
