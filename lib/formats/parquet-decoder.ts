/**
 * parquet-wasm's reader, contained (issue #19). A corrupt page can make parquet-wasm panic
 * (`RuntimeError: unreachable`) inside one of its async callbacks, where no `try` of floe's
 * sees it: the process died with a wasm stack and the other files of the batch were lost. So
 * the decoding runs in a worker thread: a panic ends that worker only, and the file being read
 * is rejected with `ParquetDecodeError`; the next read starts a fresh worker.
 *
 * One worker per process, one request at a time (decoding is CPU-bound; one in flight also
 * pins a crash on the file that caused it). Without the worker's script (a bundle that does not
 * ship `parquet-decode-worker.js`), or with `FLOE_PARQUET_DECODER=inline`, the reader runs
 * inline as before, with its errors still wrapped as far as a `try` reaches.
 */
import { existsSync, openAsBlob } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import * as arrow from 'apache-arrow';
import type { ParquetFile } from 'parquet-wasm';
import { BadInputError } from './bad-input-error.js';
import type { DecodeReply, DecodeRequest } from './parquet-decode-worker.js';

/** parquet-wasm could not decode (or crashed on) a landed Parquet file. */
export class ParquetDecodeError extends BadInputError {
  override name = 'ParquetDecodeError';
}

/** The decoder worker could not start (an environment problem, not bad input: retried). */
export class DecoderStartError extends Error {
  override name = 'DecoderStartError';
}

/** An open Parquet file: its row-group and column counts, and reads of one row group. */
export interface ParquetHandle {
  rowGroups: number;
  /** Leaf columns of the first row group (0 without row groups). */
  columns: number;
  /** One row group (or, without `rowGroup`, the schema with `limit: 0`) as an Arrow table. */
  read(rowGroup: number | undefined, limit?: number): Promise<arrow.Table>;
  close(): Promise<void>;
}

/** Opens a spooled Parquet file for reading, in the decoder worker when one can run. */
export async function openParquet(path: string, fileName: string): Promise<ParquetHandle> {
  const worker = decoderWorker();
  return worker ? worker.open(path, fileName) : openInline(path, fileName);
}

const describe = (e: unknown) => String((e as Error)?.message ?? e);

async function openInline(path: string, fileName: string): Promise<ParquetHandle> {
  let file: ParquetFile;
  let rowGroups: number;
  let columns: number;
  try {
    // Loaded on first use, not at import: handlers that never read Parquet skip parquet-wasm (issue #11).
    const { ParquetFile } = await import('parquet-wasm');
    file = await ParquetFile.fromFile(await openAsBlob(path));
    const metadata = file.metadata();
    rowGroups = metadata.numRowGroups();
    columns = rowGroups > 0 ? metadata.rowGroup(0).numColumns() : 0;
  } catch (e) {
    throw new ParquetDecodeError(`corrupt Parquet footer: ${describe(e)}`, { file: fileName }, { cause: e });
  }
  return {
    rowGroups,
    columns,
    async read(rowGroup, limit) {
      try {
        const wasm = await file.read({
          ...(rowGroup === undefined ? {} : { rowGroups: [rowGroup] }),
          ...(limit === undefined ? {} : { limit }),
        });
        return arrow.tableFromIPC(wasm.intoIPCStream());
      } catch (e) {
        throw new ParquetDecodeError(
          `corrupt Parquet data in row group ${rowGroup ?? 0}: ${describe(e)}`,
          { file: fileName },
          { cause: e },
        );
      }
    },
    async close() {
      try {
        file.free();
      } catch {
        // freeing after a failed read: nothing more to release
      }
    },
  };
}

type Request = DecodeRequest;
type Reply = DecodeReply;

class DecoderWorker {
  private worker: Worker | undefined;
  private nextId = 1;
  private queue: { request: Request; resolve: (r: Reply) => void; reject: (e: Error) => void }[] = [];
  private inFlight: (typeof this.queue)[number] | undefined;

  constructor(private readonly entry: URL | string) {}

  async open(path: string, fileName: string): Promise<ParquetHandle> {
    const opened = await this.call({ op: 'open', path }, fileName, 'corrupt Parquet footer');
    return {
      rowGroups: opened.rowGroups ?? 0,
      columns: opened.columns ?? 0,
      read: async (rowGroup, limit) => {
        const reply = await this.call(
          { op: 'read', path, rowGroup, limit },
          fileName,
          `corrupt Parquet data in row group ${rowGroup ?? 0}`,
        );
        return arrow.tableFromIPC(reply.ipc!);
      },
      close: async () => {
        await this.call({ op: 'close', path }, fileName, 'closing').catch(() => {});
      },
    };
  }

  private call(request: Omit<Request, 'id'>, fileName: string, what: string): Promise<Reply> {
    return new Promise<Reply>((resolve, reject) => {
      this.queue.push({ request: { ...request, id: this.nextId++ }, resolve, reject });
      this.pump();
    }).then(
      (reply) => {
        if (reply.error !== undefined) throw new ParquetDecodeError(`${what}: ${reply.error}`, { file: fileName });
        return reply;
      },
      (crash: Error) => {
        if (crash instanceof DecoderStartError) throw crash;
        throw new ParquetDecodeError(
          `${what}: parquet-wasm crashed (${describe(crash)})`,
          { file: fileName },
          { cause: crash },
        );
      },
    );
  }

  private pump(): void {
    if (this.inFlight || this.queue.length === 0) {
      if (!this.inFlight) this.worker?.unref(); // idle: never keeps the process alive
      return;
    }
    this.inFlight = this.queue.shift()!;
    const worker = this.start();
    worker.ref();
    worker.postMessage(this.inFlight.request);
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const entry = this.entry;
    const worker = typeof entry === 'string' ? new Worker(entry, { eval: true }) : new Worker(entry);
    worker.on('message', (reply: Reply) => {
      if (reply.id === 0) {
        online = true;
        return;
      }
      const current = this.inFlight;
      if (!current || current.request.id !== reply.id) return;
      this.inFlight = undefined;
      current.resolve(reply);
      this.pump();
    });
    let online = false; // set by the worker's `ready` message (its module and parquet-wasm loaded)
    const crashed = (error: Error) => {
      if (this.worker !== worker) return;
      this.worker = undefined; // the next request starts a fresh worker (files reopen by path)
      const current = this.inFlight;
      this.inFlight = undefined;
      // A worker that failed to start says nothing about the file: a transient error (retried).
      current?.reject(
        online ? error : new DecoderStartError('the Parquet decoder worker failed to start', { cause: error }),
      );
      this.pump();
    };
    worker.on('error', crashed);
    worker.on('exit', (code) => crashed(new Error(`decoder worker exited with code ${code}`)));
    this.worker = worker;
    return worker;
  }
}

let shared: DecoderWorker | null | undefined;

/**
 * The process's decoder worker, or null when decoding runs inline. Its script: the bundled
 * `parquet-decode-worker.js` next to this module (a Lambda bundle ships it beside `index.mjs`),
 * else the `.ts` source through tsx (tests, `floe` from sources).
 */
function decoderWorker(): DecoderWorker | null {
  if (shared !== undefined) return shared;
  shared = null;
  if (process.env.FLOE_PARQUET_DECODER === 'inline') return shared;
  const js = new URL('./parquet-decode-worker.js', import.meta.url);
  const ts = new URL('./parquet-decode-worker.ts', import.meta.url);
  if (existsSync(fileURLToPath(js))) shared = new DecoderWorker(js);
  else if (existsSync(fileURLToPath(ts))) {
    // An eval'd worker resolves bare names from the cwd: point at the installed tsx.
    let tsx: string;
    try {
      tsx = import.meta.resolve('tsx/esm/api');
    } catch {
      return shared; // sources without tsx: inline
    }
    shared = new DecoderWorker(
      `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(ts.href)}); });`,
    );
  }
  return shared;
}
