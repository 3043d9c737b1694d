/**
 * A Parquet encoder that runs parquet-wasm in a `worker_threads` Worker, so the main thread keeps
 * parsing while the worker encodes (issue 4: overlap parsing and encoding on two cores). Batches
 * cross as Arrow IPC streams and encoded chunks come back, both transferred, not copied.
 *
 * One worker serves every file of the factory (files are multiplexed by id); it holds the event
 * loop only while a file is open. Bundling: the worker is a second entry point. Under tsx/vitest
 * the `.ts` source is loaded with `--import tsx`; a bundle must ship `parquet-worker.js` (and
 * parquet-wasm's `parquet_wasm_bg.wasm`) next to the bundled JS, or pass `workerUrl`.
 *
 * @example
 * ```ts
 * const encoder = workerEncoder();
 * const writer = new DataFileWriter({ ...options, encoder });
 * // … write, close …
 * await encoder.terminate();
 * ```
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type * as arrow from 'apache-arrow';
import { batchToIpc, type EncoderSettings, type ParquetEncoder } from './parquet-encoder.js';
import type { EncoderFactory } from './parquet-file-writer.js';
import type { FromWorker, ToWorker } from './parquet-worker.js';

/** Raised when the encoder worker fails or reports an encoding error. */
export class EncoderWorkerError extends Error {
  override name = 'EncoderWorkerError';
}

/**
 * Batches a file may have queued at the worker before `write` waits (bounds memory). Batches are
 * not sliced finer to shorten the worker's tail: arrow-rs cuts pages at write-call boundaries too,
 * so slicing changes the bytes (measured: 27.06 → 28.79 MB at 16,384-row slices).
 */
const MAX_IN_FLIGHT = 2;

/** An encoder factory backed by one worker thread, plus a way to stop that worker. */
export interface WorkerEncoderFactory extends EncoderFactory {
  terminate(): Promise<void>;
}

/** Creates a worker-thread encoder factory (`DataFileWriterOptions.encoder`). */
export function workerEncoder(options: { workerUrl?: URL } = {}): WorkerEncoderFactory {
  let worker: Worker | undefined;
  let nextId = 1;
  const files = new Map<number, WorkerFileEncoder>();

  const start = (): Worker => {
    if (worker) return worker;
    const entry = workerEntry(options.workerUrl);
    const w = typeof entry === 'string' ? new Worker(entry, { eval: true }) : new Worker(entry);
    w.on('message', (message: FromWorker) => files.get(message.id)?.receive(message));
    w.on('error', (error) => {
      for (const file of files.values())
        file.fail(new EncoderWorkerError('parquet encoder worker failed', { cause: error }));
    });
    w.on('exit', (code) => {
      worker = undefined;
      for (const file of files.values())
        file.fail(new EncoderWorkerError(`parquet encoder worker exited with code ${code}`));
    });
    worker = w;
    return w;
  };

  const factory = ((settings: EncoderSettings): ParquetEncoder => {
    const w = start();
    const id = nextId++;
    const file = new WorkerFileEncoder(
      id,
      (message, transfer) => w.postMessage(message, transfer),
      () => {
        files.delete(id);
        if (files.size === 0) w.unref();
      },
    );
    files.set(id, file);
    w.ref();
    w.postMessage({ type: 'open', id, settings } satisfies ToWorker);
    return file;
  }) as WorkerEncoderFactory;
  factory.terminate = async () => {
    const w = worker;
    worker = undefined;
    if (w) await w.terminate();
  };
  return factory;
}

/**
 * The worker's script: the built `.js` next to this module; from TypeScript sources (tsx, vitest)
 * the worker's few modules bundled into plain JS on first use, or failing that a bootstrap that
 * loads the `.ts` source through tsx.
 */
function workerEntry(override?: URL): URL | string {
  if (override) return override;
  const js = new URL('./parquet-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(js))) return js;
  const bundled = bundledWorkerSource();
  if (bundled) return bundled;
  // Register tsx's loader inside the worker first.
  const ts = new URL('./parquet-worker.ts', import.meta.url).href;
  return `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(ts)}); });`;
}

let bundledSource: string | null | undefined;

/**
 * The worker's modules as one plain-JS CommonJS script for an `eval` worker (built once per
 * process), or null when esbuild is not installed. Bundles `parquet-worker.ts` and its two local imports into one CommonJS script with esbuild (a
 * dev dependency, present wherever tsx runs), parquet-wasm left as a `require` of its installed
 * path (it loads its `.wasm` from its own directory). A worker started from it needs no tsx: tsx
 * in a worker costs its own module-hooks thread and transpiling on import, ~110 ms of a cold
 * worker's ~150 ms start-up here. Null when esbuild is not installed (then tsx is used).
 */
export function bundledWorkerSource(): string | null {
  if (bundledSource !== undefined) return bundledSource;
  bundledSource = null;
  try {
    const require = createRequire(import.meta.url);
    const esbuild = require('esbuild') as typeof import('esbuild');
    const parquetWasm = require.resolve('parquet-wasm');
    const result = esbuild.buildSync({
      entryPoints: [fileURLToPath(new URL('./parquet-worker.ts', import.meta.url))],
      bundle: true,
      write: false,
      format: 'cjs',
      platform: 'node',
      target: 'node20',
      logLevel: 'silent',
      external: ['parquet-wasm'],
    });
    const code = result.outputFiles[0]?.text;
    // The eval'd worker has no module path to resolve a bare name from: point at the installed file.
    if (code) bundledSource = code.replaceAll('require("parquet-wasm")', `require(${JSON.stringify(parquetWasm)})`);
  } catch {
    // no esbuild (or it failed): the tsx bootstrap is used
  }
  return bundledSource;
}

/** The main-thread side of one file being encoded by the worker. */
class WorkerFileEncoder implements ParquetEncoder {
  private inFlight = 0;
  private ackWaiter: (() => void) | null = null;
  private readonly chunks: Uint8Array[] = [];
  private ended = false;
  private failure: unknown;
  private readerWaiter: (() => void) | null = null;

  constructor(
    private readonly id: number,
    private readonly post: (message: ToWorker, transfer?: ArrayBuffer[]) => void,
    private readonly release: () => void,
  ) {}

  async write(batch: arrow.RecordBatch): Promise<void> {
    if (this.failure) throw this.failure;
    const ipc = batchToIpc(batch);
    this.inFlight++;
    const own = ipc.byteOffset === 0 && ipc.byteLength === ipc.buffer.byteLength;
    this.post({ type: 'write', id: this.id, ipc }, own ? [ipc.buffer as ArrayBuffer] : []);
    while (this.inFlight >= MAX_IN_FLIGHT && !this.failure) {
      await new Promise<void>((resolve) => {
        this.ackWaiter = resolve;
      });
    }
    if (this.failure) throw this.failure;
  }

  finish(): void {
    this.post({ type: 'finish', id: this.id });
  }

  abort(reason?: unknown): void {
    this.post({ type: 'abort', id: this.id });
    this.fail(reason ?? new EncoderWorkerError('aborted'));
  }

  /** Handles a message from the worker for this file. */
  receive(message: FromWorker): void {
    switch (message.type) {
      case 'ack':
        this.inFlight--;
        this.wake();
        return;
      case 'chunk':
        this.chunks.push(message.bytes);
        this.wake();
        return;
      case 'end':
        this.ended = true;
        this.release();
        this.wake();
        return;
      case 'error':
        this.fail(new EncoderWorkerError(message.message));
        return;
    }
  }

  fail(error: unknown): void {
    if (this.failure || this.ended) return;
    this.failure = error;
    this.release();
    this.wake();
  }

  private wake(): void {
    this.ackWaiter?.();
    this.ackWaiter = null;
    this.readerWaiter?.();
    this.readerWaiter = null;
  }

  get output(): AsyncIterable<Uint8Array> {
    return {
      [Symbol.asyncIterator]: () => ({
        next: async (): Promise<IteratorResult<Uint8Array>> => {
          for (;;) {
            const chunk = this.chunks.shift();
            if (chunk) return { done: false, value: chunk };
            if (this.failure) throw this.failure;
            if (this.ended) return { done: true, value: undefined };
            await new Promise<void>((resolve) => {
              this.readerWaiter = resolve;
            });
          }
        },
      }),
    };
  }
}
