/**
 * Every manifest list and manifest of every fixture table (and the standalone Avro fixtures)
 * reads by field id, whichever engine wrote it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readManifest, readManifestListFile } from '../../lib/iceberg/avro/index.js';
import { FileNotFoundError } from '../../lib/iceberg/file-io.js';
import { ManifestEntryStatus } from '../../lib/iceberg/types.js';
import { type LocalTable, openLocalTable } from '../../lib/local/table-paths.js';
import { fixtureTableIo } from '../support/icebird.js';

const fixtures = join(import.meta.dirname, '../fixtures');
const tablesDir = join(fixtures, 'tables');
const tables = readdirSync(tablesDir).sort();
/** Files the README says are missing from the source repositories. */
const KNOWN_MISSING = new Set(['duckdb-equality_deletes_mytable']);

function avroFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? avroFiles(join(dir, e.name)) : e.name.endsWith('.avro') ? [join(dir, e.name)] : [],
  );
}

async function readAll(table: LocalTable) {
  const io = fixtureTableIo(table);
  let lists = 0;
  let manifests = 0;
  let entries = 0;
  for (const snapshot of table.metadata.snapshots) {
    const listPath = snapshot['manifest-list'];
    let files: { manifest_path: string }[];
    if (listPath) {
      let bytes: Uint8Array;
      try {
        bytes = await io.read(listPath);
      } catch (error) {
        if (error instanceof FileNotFoundError && KNOWN_MISSING.has(table.tableDir.split('/').pop() ?? '')) continue;
        throw error;
      }
      const list = readManifestListFile(bytes);
      lists++;
      const headerId = list.header['snapshot-id'];
      // Where the writer kept Iceberg header keys, they name this snapshot (64-bit exact).
      if (headerId !== undefined) expect(BigInt(headerId)).toBe(snapshot['snapshot-id']);
      for (const m of list.manifests) {
        expect(m.added_snapshot_id > 0n).toBe(true);
        expect(m.sequence_number <= (snapshot['sequence-number'] ?? 0n)).toBe(true);
      }
      files = list.manifests;
      for (const m of list.manifests) {
        const spec = table.metadata['partition-specs'].find((s) => s['spec-id'] === m.partition_spec_id);
        const { entries: es } = readManifest(await io.read(m.manifest_path), { manifest: m, spec });
        manifests++;
        entries += es.length;
        for (const e of es) {
          expect(e.snapshot_id).not.toBeNull();
          expect(e.data_file.partition).toHaveLength(spec?.fields.length ?? e.data_file.partition.length);
          // Inheritance: ADDED entries get the manifest's sequence number once read, unless the
          // writer kept an older one explicitly (compaction keeps data sequence numbers).
          if (e.status === ManifestEntryStatus.Added && table.metadata['format-version'] >= 2) {
            expect(e.sequence_number).not.toBeNull();
            expect((e.sequence_number as bigint) <= m.sequence_number).toBe(true);
          }
        }
      }
    } else {
      files = (snapshot.manifests ?? []).map((p) => ({ manifest_path: p }));
      for (const f of files) {
        entries += readManifest(await io.read(f.manifest_path)).entries.length;
        manifests++;
      }
    }
  }
  return { lists, manifests, entries };
}

describe('reading every fixture table', () => {
  it.each(tables)('%s: every manifest list and manifest reads by field id', async (name) => {
    const table = await openLocalTable(join(tablesDir, name));
    const { manifests, entries } = await readAll(table);
    if (table.metadata.snapshots.length > 0) {
      expect(manifests).toBeGreaterThan(0);
      expect(entries).toBeGreaterThan(0);
    }
  });

  it('reads every .avro file on disk, manifest lists and manifests alike', () => {
    const files = [...avroFiles(tablesDir), ...avroFiles(join(fixtures, 'avro'))];
    let lists = 0;
    let manifests = 0;
    for (const file of files) {
      const bytes = readFileSync(file);
      const name = file.split('/').pop() ?? '';
      if (name.startsWith('snap-') || name.includes('manifest-list') || name.includes('manifest_list')) {
        // A snapshot may have no manifests at all (a delete of everything), so only the read counts.
        expect(Array.isArray(readManifestListFile(bytes).manifests)).toBe(true);
        lists++;
      } else {
        expect(readManifest(bytes).entries.length).toBeGreaterThan(0);
        manifests++;
      }
    }
    expect(lists).toBeGreaterThan(60);
    expect(manifests).toBeGreaterThan(100);
  });
});

describe('engine quirks', () => {
  const avro = (name: string) => readFileSync(join(fixtures, 'avro', name));

  it('reads field 504-506 under both names (Java < 1.5 and >= 1.5)', () => {
    const old = readManifestListFile(avro('iceberg-rust-manifest-list-v2-1.avro')).manifests;
    const renamed = readManifestListFile(avro('iceberg-rust-manifest-list-v2-2.avro')).manifests;
    for (const list of [old, renamed]) {
      expect(list.length).toBeGreaterThan(0);
      for (const m of list) {
        expect(m.added_files_count).not.toBeNull();
        expect(m.existing_files_count).not.toBeNull();
        expect(m.deleted_files_count).not.toBeNull();
      }
    }
  });

  it('reads a DuckDB v3 manifest list without Iceberg header keys (first_row_id, delete manifest)', () => {
    const { header, manifests } = readManifestListFile(avro('iceberg-go-duckdb_v3_manifest_list.avro'));
    expect(header['format-version']).toBeUndefined();
    expect(manifests.map((m) => m.content).sort()).toEqual([0, 1]);
    expect(manifests.find((m) => m.content === 0)?.first_row_id).not.toBeUndefined();
  });

  it('keeps 64-bit snapshot ids exact (icebird-bunnies records JSON rounds them)', () => {
    const dir = join(fixtures, 'avro/icebird-bunnies');
    const list = readdirSync(dir).find((n) => n.startsWith('snap-') && n.endsWith('.avro')) as string;
    const { manifests } = readManifestListFile(readFileSync(join(dir, list)));
    expect(manifests[0]?.added_snapshot_id).toBe(8656952484400131532n);
  });

  it('reads decimal, fixed and time partition values as Literals', async () => {
    const decimal = await openLocalTable(join(tablesDir, 'duckdb-partition_decimal_integer'));
    const io = fixtureTableIo(decimal);
    const list = readManifestListFile(await io.read(decimal.metadata.snapshots[0]?.['manifest-list'] as string));
    const { entries } = readManifest(await io.read(list.manifests[0]?.manifest_path as string), {
      manifest: list.manifests[0],
    });
    expect(
      entries.every((e) => typeof e.data_file.partition[0] === 'bigint' || e.data_file.partition[0] === null),
    ).toBe(true);

    const time = await openLocalTable(join(tablesDir, 'duckdb-partition_time'));
    const tio = fixtureTableIo(time);
    const tlist = readManifestListFile(await tio.read(time.metadata.snapshots[0]?.['manifest-list'] as string));
    const tman = readManifest(await tio.read(tlist.manifests[0]?.manifest_path as string), {
      manifest: tlist.manifests[0],
    });
    expect(tman.entries.some((e) => typeof e.data_file.partition[0] === 'bigint')).toBe(true);
    expect(tlist.header['iceberg.schema']).toBeUndefined(); // PyIceberg writes no iceberg.schema
  });

  it('reads v1 manifests: block_size_in_bytes present, sequence number 0, explicit snapshot ids', async () => {
    const table = await openLocalTable(join(tablesDir, 'impala-iceberg_partitioned'));
    const io = fixtureTableIo(table);
    const snapshot = table.metadata.snapshots[0];
    const { manifests } = readManifestListFile(await io.read(snapshot?.['manifest-list'] as string));
    expect(manifests.every((m) => m.sequence_number === 0n && m.content === 0)).toBe(true);
    const { entries } = readManifest(await io.read(manifests[0]?.manifest_path as string), { manifest: manifests[0] });
    expect(entries.every((e) => e.sequence_number === 0n && e.snapshot_id === snapshot?.['snapshot-id'])).toBe(true);
    expect(entries[0]?.data_file.partition).toHaveLength(2);
  });
});
