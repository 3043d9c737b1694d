/**
 * Worker-thread entry of the contained Parquet reader (see parquet-decoder.ts): parquet-wasm
 * decodes here, so a panic on a corrupt page ends this worker, not the process. It posts
 * `{ id: 0 }` once loaded (ready: a crash after that is the file's); messages in:
 * `{ id, op: 'open' | 'read' | 'close', path, rowGroup?, limit? }`; out, one per request:
 * `{ id, rowGroups, columns }` (open), `{ id, ipc }` (read; an Arrow IPC stream, transferred),
 * `{ id }` (close) or `{ id, error }`.
 */
import { openAsBlob } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { ParquetFile } from 'parquet-wasm';

export type DecodeRequest = {
  id: number;
  op: 'open' | 'read' | 'close';
  path: string;
  rowGroup?: number;
  limit?: number;
};
export type DecodeReply = { id: number; error?: string; rowGroups?: number; columns?: number; ipc?: Uint8Array };

const port = parentPort;
if (port) {
  port.postMessage({ id: 0 } satisfies DecodeReply); // ready: a crash from now on is the file's
  const files = new Map<string, Promise<ParquetFile>>();
  port.on('message', async (m: DecodeRequest) => {
    try {
      let file = files.get(m.path);
      if (m.op === 'close') {
        files.delete(m.path);
        if (file) (await file).free();
        port.postMessage({ id: m.id } satisfies DecodeReply);
        return;
      }
      if (!file) {
        file = openAsBlob(m.path).then((blob) => ParquetFile.fromFile(blob));
        files.set(m.path, file);
        file.catch(() => files.delete(m.path));
      }
      const f = await file;
      if (m.op === 'open') {
        const metadata = f.metadata();
        const rowGroups = metadata.numRowGroups();
        const columns = rowGroups > 0 ? metadata.rowGroup(0).numColumns() : 0;
        port.postMessage({ id: m.id, rowGroups, columns } satisfies DecodeReply);
        return;
      }
      const table = await f.read({
        ...(m.rowGroup === undefined ? {} : { rowGroups: [m.rowGroup] }),
        ...(m.limit === undefined ? {} : { limit: m.limit }),
      });
      const ipc = table.intoIPCStream(); // a copy out of wasm memory: owns its buffer
      port.postMessage({ id: m.id, ipc } satisfies DecodeReply, [ipc.buffer as ArrayBuffer]);
    } catch (e) {
      port.postMessage({ id: m.id, error: String((e as Error)?.message ?? e) } satisfies DecodeReply);
    }
  });
}
