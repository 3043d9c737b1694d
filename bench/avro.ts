/**
 * `npm run bench:avro`: reads every manifest and manifest list of the fixture tables with floe
 * (`readManifest`/`readManifestList`: avsc, by field id, with inheritance) next to icebird's Avro
 * reader (the peer, same bytes, same run), then writes a 10,000-entry manifest with floe.
 * Reported, not asserted.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { avroMetadata, avroRead } from 'icebird';
import { readManifest, readManifestList, writeManifest } from '../lib/iceberg/avro/index.js';
import { type ManifestEntry, ManifestEntryStatus, type PartitionSpec, type Schema } from '../lib/iceberg/types.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 50);
const root = join(import.meta.dirname, '../test/fixtures/tables');

function avroFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? avroFiles(join(dir, e.name)) : e.name.endsWith('.avro') ? [join(dir, e.name)] : [],
  );
}

const files = avroFiles(root).map((path) => ({
  list: /\/snap-|manifest-list/.test(path),
  bytes: new Uint8Array(readFileSync(path)),
}));
// icebird cannot decode Avro `fixed` (decimal/uuid partitions); compare on the files both read.
const both = files.filter(({ bytes }) => {
  try {
    icebird(bytes);
    return true;
  } catch {
    return false;
  }
});

// icebird warns on every `time-micros` value it meets; keep the output readable.
console.warn = () => {};

function icebird(bytes: Uint8Array): number {
  const reader = { view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset: 0 };
  const { metadata, syncMarker } = avroMetadata(reader);
  return avroRead({ reader, metadata, syncMarker }).length;
}

function floe(file: { list: boolean; bytes: Uint8Array }): number {
  return file.list ? readManifestList(file.bytes).length : readManifest(file.bytes).entries.length;
}

function time(label: string, fn: () => number): number {
  fn(); // warm up (avsc compiles types once per schema)
  const started = performance.now();
  let records = 0;
  for (let i = 0; i < ROUNDS; i++) records += fn();
  const ms = performance.now() - started;
  console.log(
    `${label.padEnd(28)} ${(ms / ROUNDS).toFixed(2).padStart(8)} ms/round  ${Math.round((records / ms) * 1000)
      .toLocaleString('en-US')
      .padStart(10)} records/s`,
  );
  return ms;
}

console.log(`${both.length} of ${files.length} fixture Avro files (both readers), ${ROUNDS} rounds`);
const floeMs = time('floe (by field id)', () => both.reduce((n, f) => n + floe(f), 0));
const peerMs = time('icebird avroRead (peer)', () => both.reduce((n, f) => n + icebird(f.bytes), 0));
console.log(`ratio floe/icebird: ${(floeMs / peerMs).toFixed(2)}`);

const schema: Schema = {
  type: 'struct',
  'schema-id': 0,
  fields: [
    { id: 1, name: 'id', required: true, type: 'long' },
    { id: 2, name: 'day', required: false, type: 'date' },
  ],
};
const spec: PartitionSpec = {
  'spec-id': 0,
  fields: [{ 'source-id': 2, 'field-id': 1000, name: 'day', transform: 'identity' }],
};
const entries: ManifestEntry[] = Array.from({ length: 10_000 }, (_, i) => ({
  status: ManifestEntryStatus.Added,
  snapshot_id: 1n,
  sequence_number: null,
  file_sequence_number: null,
  data_file: {
    content: 0,
    file_path: `s3://bucket/table/data/day=${i % 30}/file-${i}.parquet`,
    file_format: 'PARQUET',
    partition: [19_000 + (i % 30)],
    record_count: 1000,
    file_size_in_bytes: 100_000,
    value_counts: new Map([
      [1, 1000],
      [2, 1000],
    ]),
    null_value_counts: new Map([
      [1, 0],
      [2, 0],
    ]),
    lower_bounds: new Map([[1, new Uint8Array(8)]]),
    upper_bounds: new Map([[1, new Uint8Array(8).fill(1)]]),
  },
}));
const write = () =>
  writeManifest({
    formatVersion: 2,
    schema,
    spec,
    snapshotId: 1n,
    content: 'data',
    entries,
    path: 'm.avro',
    sequenceNumber: 1n,
  });
for (let i = 0; i < 3; i++) readManifest(write().bytes); // warm up the JIT
const runs = 5;
let writeMs = 0;
let readMs = 0;
let size = 0;
for (let i = 0; i < runs; i++) {
  const t0 = performance.now();
  const { bytes } = write();
  const t1 = performance.now();
  readManifest(bytes);
  writeMs += t1 - t0;
  readMs += performance.now() - t1;
  size = bytes.length;
}
console.log(
  `floe 10,000-entry manifest: write ${(writeMs / runs).toFixed(1)} ms, read ${(readMs / runs).toFixed(1)} ms (${size.toLocaleString('en-US')} bytes, mean of ${runs})`,
);
