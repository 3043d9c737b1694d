/**
 * One converter run for bench/convert.ts, in its own process so `maxRSS` is its own:
 * `convert-child.ts floe|duckdb <input> <threads>` prints one JSON line of figures.
 */
import { createReadStream, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { inferSchema } from '../lib/formats/infer.js';
import { warmEncoderWorker } from '../lib/ingest/conversion-encoder.js';
import { convertFile } from '../lib/ingest/convert-file.js';
import { bindTransform } from '../lib/formats/transform/index.js';
import { LocalFileIO } from '../lib/storage/local.js';

const [kind, input, threads] = process.argv.slice(2) as [string, string, string];
// A route transform (issue 17): FLOE_SELECT / FLOE_WHERE, run by both converters.
const select = process.env.FLOE_SELECT;
const where = process.env.FLOE_WHERE;
const out = join(process.cwd(), 'bench', '.data', 'out', `${kind}-${threads}-${process.pid}`);
if (!process.env.KEEP) rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

function dirBytes(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) n += statSync(join(e.parentPath, e.name)).size;
  }
  return n;
}

const t0 = performance.now();
let rows = 0;
if (kind === 'floe') {
  // The schema a table would have (inferred once from a small prefix is what the CLI does);
  // inference is not part of the timed conversion.
  // 1 MiB reads, as floe's LocalFileIO.readStream does.
  const open = () =>
    createReadStream(input, { highWaterMark: Number(process.env.FLOE_HWM ?? 1 << 20) }) as AsyncIterable<Uint8Array>;
  // FLOE_WARM=1: a warm process (a warm Lambda, `floe dev`): the encoder worker was started
  // before this file arrived, so its start-up is not part of the timed conversion.
  const warmed = process.env.FLOE_WARM === '1' && warmEncoderWorker();
  const tInfer = performance.now();
  const inferred = await inferSchema(open, input);
  const inferSeconds = (performance.now() - tInfer) / 1000;
  const plan = select || where ? bindTransform({ select, where }, inferred) : undefined;
  const schema = plan?.schema ?? inferred;
  const batchTransform = plan?.forTable(schema, {
    fileName: input,
    meta: { sourceKey: input, sourceVersion: '', ingestId: 'bench', ingestedAt: 0 },
  });
  const encoder = (process.env.FLOE_ENCODER ?? 'auto') as 'auto' | 'worker' | 'inline';
  const t1 = performance.now();
  const cpu0 = process.cpuUsage();
  const r = await convertFile({
    encoder,
    source: open(),
    fileName: input,
    schema,
    spec: { 'spec-id': 0, fields: [] },
    formatVersion: 2,
    io: new LocalFileIO(),
    dataLocation: out,
    namePrefix: 'bench',
    properties: {},
    transform: batchTransform && { input: inferred, apply: (b, e) => batchTransform.apply(b, e) },
  });
  rows = r.rows;
  const seconds = (performance.now() - t1) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const maxRssMb = process.resourceUsage().maxRSS / 1024;
  console.log(JSON.stringify({ seconds, cpuSeconds, maxRssMb, rows, outBytes: dirBytes(out), inferSeconds, warmed }));
} else {
  const cpu0 = process.cpuUsage();
  const db = await DuckDBInstance.create(':memory:', { threads });
  const con = await db.connect();
  const reader = input.endsWith('.ndjson')
    ? `read_json('${input}', format='newline_delimited')`
    : `read_csv('${input}')`;
  const query = `SELECT ${select ?? '*'} FROM ${reader}${where ? ` WHERE ${where}` : ''}`;
  const res = await con.runAndReadAll(
    `COPY (${query}) TO '${join(out, 'out.parquet')}' (FORMAT parquet, COMPRESSION zstd)`,
  );
  rows = Number(res.getRows()[0]?.[0] ?? 0);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const maxRssMb = process.resourceUsage().maxRSS / 1024;
  console.log(JSON.stringify({ seconds, cpuSeconds, maxRssMb, rows, outBytes: dirBytes(out) }));
}
if (!process.env.KEEP) rmSync(out, { recursive: true, force: true });
