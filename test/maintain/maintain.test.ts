/**
 * Table maintenance on a real table in the embedded catalog, each result read back by DuckDB
 * (live data files) and icebird (the metadata): expire snapshots, compact small files (a
 * `replace` that keeps data sequence numbers, safe against concurrent appends and
 * replace-partitions), rewrite manifests, remove orphan files.
 */
import { randomUUID } from 'node:crypto';
import { utimes, writeFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { commitWithRetry } from '../../lib/catalog/commit-driver.js';
import { liveDataFiles } from '../../lib/iceberg/scan.js';
import { newSnapshotId, replacePartitions } from '../../lib/iceberg/snapshot/index.js';
import { compactGroup, compactTable, planTableCompaction } from '../../lib/ingest/maintain/compact.js';
import { expireSnapshots } from '../../lib/ingest/maintain/expire.js';
import { maintainTable } from '../../lib/ingest/maintain/maintain-table.js';
import { removeOrphanFiles } from '../../lib/ingest/maintain/orphans.js';
import { rewriteTableManifests } from '../../lib/ingest/maintain/rewrite-manifests.js';
import { countsBySource, DAY, icebirdCounts, type Kit, startKit } from './maintain-kit.js';

/** Every file the current metadata references exists (nothing reachable was deleted). */
async function assertNothingMissing(kit: Kit): Promise<void> {
  const table = await kit.load();
  for (const entry of await liveDataFiles(kit.env.io, table.metadata))
    expect(await kit.env.io.exists(entry.data_file.file_path), entry.data_file.file_path).toBe(true);
  for (const s of table.metadata.snapshots)
    expect(await kit.env.io.exists(s['manifest-list'] as string), s['manifest-list']).toBe(true);
}

describe('table maintenance', () => {
  let kit: Kit;
  beforeEach(async () => {
    kit = await startKit({ 'commit.manifest.min-count-to-merge': '1000' });
  });
  afterEach(async () => kit.close());

  it('expires snapshots by age and minimum count, deleting only files no retained snapshot reaches', async () => {
    for (let i = 0; i < 6; i++) {
      await kit.land(`f${i}.csv`, [[i, '2026-01-01']]);
      kit.clock.now += DAY;
    }
    // Replace the partition: the six files are now reachable only from older snapshots.
    const table = await kit.load();
    const replacement = await kit.requestFor('r.csv', [[100, '2026-01-01']]);
    await commitWithRetry(kit.env.catalog, kit.id, async (base) => {
      const p = await replacePartitions({
        metadata: base.metadata,
        io: kit.env.io,
        dataFiles: replacement.dataFiles,
        snapshotId: newSnapshotId(),
        attemptId: randomUUID(),
        now: kit.clock.now,
      });
      for (const f of p.files) await kit.env.io.write(f.path, f.bytes);
      return { change: p.change };
    });
    const oldFiles = (await liveDataFiles(kit.env.io, table.metadata)).map((e) => e.data_file.file_path);
    expect(oldFiles).toHaveLength(6);

    // 3.5 days: snapshots of days 0..2 are older; the replace and days 3..5 stay.
    const dry = await expireSnapshots(kit.id, kit.context({ dryRun: true }), { maxSnapshotAgeMs: 3.5 * DAY });
    expect(dry.expiredSnapshots).toBe(3);
    expect(await Promise.all(oldFiles.map((f) => kit.env.io.exists(f)))).toEqual(oldFiles.map(() => true));

    const report = await expireSnapshots(kit.id, kit.context(), { maxSnapshotAgeMs: 3.5 * DAY });
    expect(report).toMatchObject({ expiredSnapshots: 3, retainedSnapshots: 4 });
    // Files 0..2 are still reachable from the snapshot of day 3 (time travel), so none is deleted yet.
    expect(await Promise.all(oldFiles.map((f) => kit.env.io.exists(f)))).toEqual(oldFiles.map(() => true));
    await assertNothingMissing(kit);

    // Keep only the head: every old data file goes, the replacement stays.
    const all = await expireSnapshots(kit.id, kit.context(), { maxSnapshotAgeMs: 0, minSnapshotsToKeep: 1 });
    expect(all.retainedSnapshots).toBe(1);
    expect(await Promise.all(oldFiles.map((f) => kit.env.io.exists(f)))).toEqual(oldFiles.map(() => false));
    await assertNothingMissing(kit);
    expect(await countsBySource(kit.env.catalog, kit.env.io, kit.id)).toEqual({ 'r.csv': 1 });
    expect(await icebirdCounts(await kit.load())).toEqual({ 'r.csv': 1 });
  });

  it('honours write.metadata.delete-after-commit.enabled: superseded metadata files beyond previous-versions-max go', async () => {
    const table0 = await kit.load();
    await kit.env.catalog.commitTable(kit.id, {
      requirements: [],
      updates: [
        {
          action: 'set-properties',
          updates: {
            'write.metadata.delete-after-commit.enabled': 'true',
            'write.metadata.previous-versions-max': '2',
          },
        },
      ],
    });
    Object.defineProperty(kit.clock, 'now', { get: () => Date.now() }); // mtimes and timestamps on one clock
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setTimeout(r, 5));
      await kit.land(`f${i}.csv`, [[i, '2026-01-01']]);
    }
    await new Promise((r) => setTimeout(r, 5));
    const metadataDir = table0.metadataLocation.slice(0, table0.metadataLocation.lastIndexOf('/') + 1);
    const metadataFiles = async () => {
      const out: string[] = [];
      for await (const f of kit.env.io.list(metadataDir)) if (f.path.endsWith('.metadata.json')) out.push(f.path);
      return out;
    };
    expect(await metadataFiles()).toHaveLength(7);
    const report = await expireSnapshots(kit.id, kit.context(), { maxSnapshotAgeMs: 0 });
    const table = await kit.load();
    expect(table.metadata['metadata-log']).toHaveLength(2);
    expect(report.deletedMetadataFiles).toBe(5);
    expect((await metadataFiles()).sort()).toEqual(
      [table.metadataLocation, ...table.metadata['metadata-log'].map((e) => e['metadata-file'])].sort(),
    );
    expect(await icebirdCounts(table)).toMatchObject({ 'f4.csv': 1 });
  });

  it('never expires a tag head or a branch head, and keeps min-snapshots-to-keep', async () => {
    for (let i = 0; i < 4; i++) {
      await kit.land(`f${i}.csv`, [[i, '2026-01-01']]);
      kit.clock.now += DAY;
    }
    const table = await kit.load();
    const first = table.metadata.snapshots[0]?.['snapshot-id'] as bigint;
    await kit.env.catalog.commitTable(kit.id, {
      requirements: [],
      updates: [{ action: 'set-snapshot-ref', 'ref-name': 'audit', type: 'tag', 'snapshot-id': first }],
    });
    const report = await expireSnapshots(kit.id, kit.context(), { maxSnapshotAgeMs: 0, minSnapshotsToKeep: 2 });
    const after = (await kit.load()).metadata;
    expect(report.expiredSnapshots).toBe(1);
    expect(after.snapshots.map((s) => s['snapshot-id'])).toContain(first);
    expect(after.refs.audit?.['snapshot-id']).toBe(first);
    await assertNothingMissing(kit);
  });

  it('compacts small files per partition into a replace snapshot that keeps data sequence numbers', async () => {
    for (let i = 0; i < 6; i++) await kit.land(`a${i}.csv`, [[i, '2026-01-01']]);
    for (let i = 0; i < 3; i++) await kit.land(`b${i}.csv`, [[i, '2026-01-02']]);
    const before = await countsBySource(kit.env.catalog, kit.env.io, kit.id);
    const beforeEntries = await liveDataFiles(kit.env.io, (await kit.load()).metadata);
    const maxSeq = beforeEntries.reduce((m, e) => ((e.sequence_number ?? 0n) > m ? (e.sequence_number ?? 0n) : m), 0n);

    const report = await compactTable(kit.id, kit.context(), { minInputFiles: 4 });
    expect(report.groups).toHaveLength(1); // the 2026-01-02 partition has 3 files: below min-input-files
    expect(report.groups[0]).toMatchObject({ inputFiles: 6, outputFiles: 1, outcome: 'committed' });

    const table = await kit.load();
    const head = table.metadata.snapshots.at(-1);
    expect(head?.summary.operation).toBe('replace');
    expect(head?.summary['total-records']).toBe('9');
    const entries = await liveDataFiles(kit.env.io, table.metadata);
    expect(entries).toHaveLength(4);
    const compacted = entries.find((e) => e.snapshot_id === head?.['snapshot-id']);
    expect(compacted?.sequence_number).toBeLessThanOrEqual(maxSeq);
    expect(compacted?.sequence_number).toBe(
      beforeEntries
        .filter((e) => e.data_file.partition[0] === compacted?.data_file.partition[0])
        .reduce((m, e) => ((e.sequence_number ?? 0n) > m ? (e.sequence_number ?? 0n) : m), 0n),
    );
    expect(await countsBySource(kit.env.catalog, kit.env.io, kit.id)).toEqual(before);
    expect(await icebirdCounts(table)).toEqual(before);

    // Expiry then removes the compacted-away files.
    kit.clock.now += 1;
    await expireSnapshots(kit.id, kit.context(), { maxSnapshotAgeMs: 0 });
    await assertNothingMissing(kit);
    for (const e of beforeEntries.filter((x) => x.data_file.partition[0] === compacted?.data_file.partition[0]))
      expect(await kit.env.io.exists(e.data_file.file_path)).toBe(false);
    expect(await icebirdCounts(await kit.load())).toEqual(before);
  });

  it('keeps appends made during a compaction, and aborts a group whose file a backfill replaced', async () => {
    for (let i = 0; i < 4; i++) await kit.land(`a${i}.csv`, [[i, '2026-01-01']]);
    for (let i = 0; i < 4; i++) await kit.land(`b${i}.csv`, [[i, '2026-01-02']]);
    const { table, plan } = await planTableCompaction(kit.id, kit.context(), { minInputFiles: 2 });
    expect(plan.groups).toHaveLength(2);
    // Meanwhile: an append to day 1, and a replace-partitions of day 2.
    await kit.land('late.csv', [[9, '2026-01-01']]);
    const backfill = await kit.requestFor('backfill.csv', [[7, '2026-01-02']]);
    await commitWithRetry(kit.env.catalog, kit.id, async (base) => {
      const p = await replacePartitions({
        metadata: base.metadata,
        io: kit.env.io,
        dataFiles: backfill.dataFiles,
        snapshotId: newSnapshotId(),
        attemptId: randomUUID(),
      });
      for (const f of p.files) await kit.env.io.write(f.path, f.bytes);
      return { change: p.change };
    });
    const outcomes = [];
    for (const group of plan.groups) outcomes.push(await compactGroup(kit.id, table, group, kit.context()));
    expect(outcomes.map((o) => o.outcome).sort()).toEqual(['committed', 'conflict']);
    expect(await countsBySource(kit.env.catalog, kit.env.io, kit.id)).toEqual({
      'a0.csv': 1,
      'a1.csv': 1,
      'a2.csv': 1,
      'a3.csv': 1,
      'backfill.csv': 1,
      'late.csv': 1,
    });
    expect(await icebirdCounts(await kit.load())).toMatchObject({ 'late.csv': 1, 'backfill.csv': 1 });
    await assertNothingMissing(kit);
  });

  it('rewrites many small manifests into few, rows unchanged', async () => {
    for (let i = 0; i < 20; i++) await kit.land(`m${i}.csv`, [[i, '2026-01-01']]);
    const before = await countsBySource(kit.env.catalog, kit.env.io, kit.id);
    const report = await rewriteTableManifests(kit.id, kit.context());
    expect(report.manifestsBefore).toBe(20);
    expect(report.manifestsAfter).toBe(1);
    const table = await kit.load();
    expect(table.metadata.snapshots.at(-1)?.summary.operation).toBe('replace');
    expect(await countsBySource(kit.env.catalog, kit.env.io, kit.id)).toEqual(before);
    expect(await icebirdCounts(table)).toEqual(before);
  });

  it('removes unreferenced files older than the safety age only', async () => {
    await kit.land('a.csv', [[1, '2026-01-01']]);
    const table = await kit.load();
    const location = table.metadata.location;
    const oldOrphan = `${location}/data/day=2026-01-01/crashed-conversion.parquet`;
    const youngOrphan = `${location}/data/day=2026-01-01/in-flight.parquet`;
    await writeFile(oldOrphan, 'x');
    await writeFile(youngOrphan, 'x');
    const fourDaysAgo = new Date(Date.now() - 4 * DAY);
    await utimes(oldOrphan, fourDaysAgo, fourDaysAgo);
    const context = kit.context({ now: () => Date.now() });

    const dry = await removeOrphanFiles(kit.id, { ...context, dryRun: true });
    expect(dry.orphans).toEqual([oldOrphan]);
    expect(await kit.env.io.exists(oldOrphan)).toBe(true);

    const report = await removeOrphanFiles(kit.id, context);
    expect(report.orphans).toEqual([oldOrphan]);
    expect(report.tooYoung).toBe(1);
    expect(await kit.env.io.exists(oldOrphan)).toBe(false);
    expect(await kit.env.io.exists(youngOrphan)).toBe(true);
    await assertNothingMissing(kit);
    expect(await icebirdCounts(await kit.load())).toEqual({ 'a.csv': 1 });
  });

  it('maintainTable runs compact, expire, manifests and orphans and reports each', async () => {
    for (let i = 0; i < 6; i++) await kit.land(`a${i}.csv`, [[i, '2026-01-01']]);
    kit.clock.now += 1;
    const report = await maintainTable(kit.id, kit.context(), {
      compaction: { minInputFiles: 2 },
      expiry: { maxSnapshotAgeMs: 0 },
      orphanAgeMs: 0,
      ledgerWindowMs: 30 * DAY,
    });
    expect(report.failures).toEqual([]);
    expect(report.reports.map((r) => r.operation)).toEqual(['compact', 'expire', 'manifests', 'orphans']);
    const table = await kit.load();
    expect(table.metadata.snapshots).toHaveLength(1);
    expect(await liveDataFiles(kit.env.io, table.metadata)).toHaveLength(1);
    await assertNothingMissing(kit);
    expect(Object.values(await icebirdCounts(table))).toEqual([1, 1, 1, 1, 1, 1]);
  });
});
