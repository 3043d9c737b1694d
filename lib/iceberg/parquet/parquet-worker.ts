/**
 * Worker-thread entry of the Parquet encoder (see worker-encoder.ts): runs parquet-wasm off the
 * main thread so parsing (main) and encoding (here) use both cores. Messages, per file `id`:
 * in `open {settings}`, `write {ipc}` (an Arrow IPC stream, transferred), `finish`, `abort`;
 * out `ack` (one per write, for backpressure), `chunk {bytes}` (transferred), `end`, `error {message}`.
 */
import { parentPort } from 'node:worker_threads';
import { type EncoderSettings, IpcParquetStream } from './wasm-stream-encoder.js';

export type ToWorker =
  | { type: 'open'; id: number; settings: EncoderSettings }
  | { type: 'write'; id: number; ipc: Uint8Array }
  | { type: 'finish'; id: number }
  | { type: 'abort'; id: number };

export type FromWorker =
  | { type: 'ack'; id: number }
  | { type: 'chunk'; id: number; bytes: Uint8Array }
  | { type: 'end'; id: number }
  | { type: 'error'; id: number; message: string };

const port = parentPort;
if (port) {
  const encoders = new Map<number, IpcParquetStream>();
  const post = (message: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);
  const fail = (id: number, error: unknown) =>
    post({ type: 'error', id, message: error instanceof Error ? error.message : String(error) });

  const pump = async (id: number, encoder: IpcParquetStream) => {
    try {
      for await (const chunk of encoder.output) {
        // Transfer when the chunk owns its buffer; copy otherwise.
        const own =
          chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength && chunk.buffer instanceof ArrayBuffer;
        const bytes = own ? chunk : chunk.slice();
        post({ type: 'chunk', id, bytes }, [bytes.buffer as ArrayBuffer]);
      }
      post({ type: 'end', id });
    } catch (error) {
      fail(id, error);
    } finally {
      encoders.delete(id);
    }
  };

  port.on('message', async (message: ToWorker) => {
    const { id } = message;
    try {
      switch (message.type) {
        case 'open': {
          const encoder = new IpcParquetStream(message.settings);
          encoders.set(id, encoder);
          void pump(id, encoder);
          return;
        }
        case 'write':
          await encoders.get(id)?.writeIpc(message.ipc);
          post({ type: 'ack', id });
          return;
        case 'finish':
          encoders.get(id)?.finish();
          return;
        case 'abort':
          encoders.get(id)?.abort();
          encoders.delete(id);
          return;
      }
    } catch (error) {
      fail(id, error);
    }
  });
}
