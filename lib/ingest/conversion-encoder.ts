/**
 * Which Parquet encoder one conversion uses. Of a CSV conversion's CPU time about a third is
 * parquet-wasm encoding (zstd mostly) and most of the rest parsing, so a worker-thread encoder lets
 * them overlap on two cores (issue 4, "Speed"). One worker per process serves every conversion.
 *
 * The worker needs its entry script next to the table-format core (`parquet-worker.js`, or the
 * `.ts` source under tsx/vitest). A bundle without it (e.g. a single-file Lambda bundle) falls
 * back to the inline encoder under `auto`.
 */
import { existsSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import * as arrow from 'apache-arrow';
import { type EncoderSettings, inlineEncoder } from '../iceberg/parquet/parquet-encoder.js';
import type { EncoderFactory } from '../iceberg/parquet/parquet-file-writer.js';
import { type WorkerEncoderFactory, workerEncoder } from '../iceberg/parquet/worker-encoder.js';
import { parquetWriteOptions } from '../iceberg/parquet/write-properties.js';

/**
 * `auto` (a worker when its script is present, the host has two cores or more, and the worker is
 * already running or a core is likely idle), `worker`, `inline`, or a
 * factory of the caller's. Both encoders write the same bytes, so the choice never changes output.
 */
export type EncoderChoice = 'auto' | 'worker' | 'inline' | EncoderFactory;

/** An encoder for one conversion and how to release it. */
export interface ConversionEncoder {
  factory: EncoderFactory;
  /** Called when the conversion ends (the shared worker and a caller's factory are kept). */
  release(): Promise<void>;
}

const none = async () => {};

/**
 * One encoder worker per process, shared by its conversions: a warm Lambda container or a
 * long-running `floe dev` pays the worker's start-up (loading parquet-wasm) once. It holds the
 * event loop only while a file is open, so it never keeps a process alive.
 */
let shared: WorkerEncoderFactory | undefined;
/** Whether the shared worker has been started (its start-up, ~0.4 CPU s under tsx, is paid). */
let warm = false;

/**
 * Whether a second core is likely to have time to encode. Measured on a shared 2-core host: at a
 * 1-minute load of 3.3 the worker converted a 1M-row CSV in 1.19 s against 1.54 s inline; at a
 * load of 8–10 it was slower (3.08 s against 2.41 s: only its start-up and IPC copy were left).
 */
export function idleCore(): boolean {
  const cores = availableParallelism();
  return cores >= 2 && loadavg()[0]! < 2 * cores;
}

/** Whether the encoder worker's entry script ships next to the table-format core. */
export function workerScriptPresent(): boolean {
  for (const ext of ['js', 'ts']) {
    if (existsSync(fileURLToPath(new URL(`../iceberg/parquet/parquet-worker.${ext}`, import.meta.url)))) return true;
  }
  return false;
}

/**
 * Resolves an `EncoderChoice` for one conversion. `columnDictionary` (from
 * `chooseDictionaryColumns` on the first batch) rides along in the encoder settings of every file.
 */
export function conversionEncoder(
  choice: EncoderChoice = 'auto',
  columnDictionary?: Record<string, boolean>,
): ConversionEncoder {
  const tuned = (base: EncoderFactory): EncoderFactory =>
    columnDictionary && Object.keys(columnDictionary).length > 0
      ? (settings: EncoderSettings) => base(Object.assign({}, settings, { columnDictionary }))
      : base;
  if (typeof choice === 'function') return { factory: tuned(choice), release: none };
  // A running worker costs only the IPC copy, so `auto` takes it whenever there are two cores
  // (under contention a second thread also gets the process a second share of the CPUs); a cold
  // one also costs its start-up, worth it only when a core is likely idle.
  const useWorker =
    choice === 'worker' ||
    (choice === 'auto' && workerScriptPresent() && availableParallelism() >= 2 && (warm || idleCore()));
  if (!useWorker) return { factory: tuned(inlineEncoder), release: none };
  shared ??= workerEncoder();
  warm = true;
  return { factory: tuned(shared), release: none };
}

/**
 * Starts the shared encoder worker ahead of the first conversion (a Lambda's init phase, `floe dev`
 * start-up), so its start-up overlaps other work instead of the first file's encoding. It also
 * encodes (and discards) a small synthetic file of the common column types, so the first real file
 * finds parquet-wasm's hot paths (zstd, the plain and dictionary encoders) already compiled by
 * V8's optimizing tier and its memory grown, rather than paying that on the critical path. Returns
 * whether a worker was started: not on one core or when its script does not ship.
 */
export function warmEncoderWorker(): boolean {
  if (!workerScriptPresent() || availableParallelism() < 2) return false;
  shared ??= workerEncoder();
  warm = true;
  const encoder = shared({
    rowGroupRows: WARM_UP_ROWS,
    options: parquetWriteOptions(),
    columnDictionary: { id: false, qty: true, amount: false, name: false, day: true, at: false },
  });
  const drained = (async () => {
    await encoder.write(warmUpBatch(WARM_UP_ROWS));
    encoder.finish();
    for await (const _ of encoder.output) {
      // discarded: only the work matters
    }
  })();
  // A failed warm-up costs nothing but the warm-up: a real conversion reports its own errors.
  drained.catch(() => {});
  return true;
}

/** Rows of the warm-up file: enough calls for V8 to tier parquet-wasm's hot functions up. */
const WARM_UP_ROWS = 65_536;

/** A deterministic batch of the column types conversions write most (long, int, double, string, bool, date, timestamp). */
function warmUpBatch(rows: number): arrow.RecordBatch {
  const id = new BigInt64Array(rows);
  const qty = new Int32Array(rows);
  const amount = new Float64Array(rows);
  const day = new Int32Array(rows);
  const at = new BigInt64Array(rows);
  const flags = new Uint8Array(Math.ceil(rows / 8));
  const offsets = new Int32Array(rows + 1);
  const text = new Uint8Array(rows * 12);
  let seed = 7;
  let end = 0;
  for (let i = 0; i < rows; i++) {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    id[i] = BigInt(i);
    qty[i] = seed % 1000;
    amount[i] = seed / 1000;
    day[i] = 19_700 + (seed % 365);
    at[i] = BigInt(seed) * 1_000_000n;
    if (seed & 1) flags[i >> 3]! |= 1 << (i & 7);
    for (const c of `u_${seed % 100_000}`) text[end++] = c.charCodeAt(0);
    offsets[i + 1] = end;
  }
  const columns: Record<string, arrow.Data> = {
    id: arrow.makeData({ type: new arrow.Int64(), length: rows, data: id }),
    qty: arrow.makeData({ type: new arrow.Int32(), length: rows, data: qty }),
    amount: arrow.makeData({ type: new arrow.Float64(), length: rows, data: amount }),
    name: arrow.makeData({ type: new arrow.Utf8(), length: rows, valueOffsets: offsets, data: text.subarray(0, end) }),
    flag: arrow.makeData({ type: new arrow.Bool(), length: rows, data: flags }),
    day: arrow.makeData({ type: new arrow.DateDay(), length: rows, data: day }),
    at: arrow.makeData({ type: new arrow.TimestampMicrosecond('UTC'), length: rows, data: at }),
  };
  const fields = Object.entries(columns).map(([name, data]) => new arrow.Field(name, data.type, false));
  const struct = arrow.makeData({
    type: new arrow.Struct(fields),
    length: rows,
    nullCount: 0,
    children: Object.values(columns),
  });
  return new arrow.RecordBatch(new arrow.Schema(fields), struct);
}

/** Stops the shared encoder worker (tests, or a host shutting down); the next conversion starts a new one. */
export async function stopEncoderWorker(): Promise<void> {
  const w = shared;
  shared = undefined;
  warm = false;
  await w?.terminate();
}
