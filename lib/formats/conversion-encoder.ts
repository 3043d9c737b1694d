/**
 * Which Parquet encoder one conversion uses. Parsing (main thread) and parquet-wasm encoding each
 * take about half of a conversion's CPU time, so a worker-thread encoder lets them overlap on two
 * cores (issue 4, "Speed"). One worker serves the whole conversion and is stopped at its end.
 *
 * The worker needs its entry script next to the table-format core (`parquet-worker.js`, or the
 * `.ts` source under tsx/vitest). A bundle without it (e.g. a single-file Lambda bundle) falls
 * back to the inline encoder under `auto`.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type EncoderSettings, inlineEncoder } from '../iceberg/parquet/parquet-encoder.js';
import type { EncoderFactory } from '../iceberg/parquet/parquet-file-writer.js';
import { workerEncoder } from '../iceberg/parquet/worker-encoder.js';

/** `auto` (worker when its script is present), `worker`, `inline`, or a factory of the caller's. */
export type EncoderChoice = 'auto' | 'worker' | 'inline' | EncoderFactory;

/** An encoder for one conversion and how to release it. */
export interface ConversionEncoder {
  factory: EncoderFactory;
  /** Stops what this module started (never a caller's factory). */
  release(): Promise<void>;
}

const none = async () => {};

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
export function conversionEncoder(choice: EncoderChoice = 'auto', columnDictionary?: Record<string, boolean>): ConversionEncoder {
  const tuned = (base: EncoderFactory): EncoderFactory =>
    columnDictionary && Object.keys(columnDictionary).length > 0
      ? (settings: EncoderSettings) => base(Object.assign({}, settings, { columnDictionary }))
      : base;
  if (typeof choice === 'function') return { factory: tuned(choice), release: none };
  if (choice === 'inline' || (choice === 'auto' && !workerScriptPresent())) return { factory: tuned(inlineEncoder), release: none };
  const workers = workerEncoder();
  return { factory: tuned(workers), release: () => workers.terminate() };
}
