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
import type { EncoderFactory } from '../iceberg/parquet/parquet-file-writer.js';
import { workerEncoder } from '../iceberg/parquet/worker-encoder.js';

/** `auto` (worker when its script is present), `worker`, `inline`, or a factory of the caller's. */
export type EncoderChoice = 'auto' | 'worker' | 'inline' | EncoderFactory;

/** An encoder for one conversion and how to release it. */
export interface ConversionEncoder {
  /** undefined: the writer's default (inline parquet-wasm). */
  factory: EncoderFactory | undefined;
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

/** Resolves an `EncoderChoice` for one conversion. */
export function conversionEncoder(choice: EncoderChoice = 'auto'): ConversionEncoder {
  if (typeof choice === 'function') return { factory: choice, release: none };
  if (choice === 'inline' || (choice === 'auto' && !workerScriptPresent())) return { factory: undefined, release: none };
  const workers = workerEncoder();
  return { factory: workers, release: () => workers.terminate() };
}
