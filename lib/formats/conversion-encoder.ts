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
import { type EncoderSettings, inlineEncoder } from '../iceberg/parquet/parquet-encoder.js';
import { parquetWriteOptions } from '../iceberg/parquet/write-properties.js';
import type { EncoderFactory } from '../iceberg/parquet/parquet-file-writer.js';
import { type WorkerEncoderFactory, workerEncoder } from '../iceberg/parquet/worker-encoder.js';

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
 * start-up), so its start-up overlaps other work instead of the first file's encoding. Returns
 * whether a worker was started: not on one core or when its script does not ship.
 */
export function warmEncoderWorker(): boolean {
  if (!workerScriptPresent() || availableParallelism() < 2) return false;
  shared ??= workerEncoder();
  // Opening (and at once aborting) a file starts the thread and loads parquet-wasm in it.
  shared({ rowGroupRows: 1024, options: parquetWriteOptions() }).abort();
  warm = true;
  return true;
}

/** Stops the shared encoder worker (tests, or a host shutting down); the next conversion starts a new one. */
export async function stopEncoderWorker(): Promise<void> {
  const w = shared;
  shared = undefined;
  warm = false;
  await w?.terminate();
}
