/**
 * Streaming decompression with a cap on expanded bytes (a gzip bomb is stopped after
 * `maxExpandedBytes`, not after filling the disk or the heap). gzip uses node's zlib (it runs on
 * the libuv pool, so inflating overlaps parsing); zstd uses `fzstd`; bzip2 `unbzip2-stream`.
 */
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { Decompress as ZstdDecompress } from 'fzstd';
import unbzip2 from 'unbzip2-stream';
import { BadInputError } from './bad-input-error.js';
import type { Compression } from './detect.js';

/** Reads the first `n` bytes (or fewer at end of input) and returns them with the whole stream. */
export async function peek(
  source: AsyncIterable<Uint8Array>,
  n = 16,
): Promise<{ head: Uint8Array; stream: AsyncIterable<Uint8Array> }> {
  const it = source[Symbol.asyncIterator]();
  const seen: Uint8Array[] = [];
  let have = 0;
  let done = false;
  while (have < n) {
    const r = await it.next();
    if (r.done) {
      done = true;
      break;
    }
    seen.push(r.value);
    have += r.value.length;
  }
  const head = Buffer.concat(seen).subarray(0, n);
  async function* stream(): AsyncGenerator<Uint8Array> {
    yield* seen;
    if (done) return;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield r.value;
    }
  }
  return { head: new Uint8Array(head), stream: stream() };
}

/** Decompresses `source`, failing with `BadInputError` on corrupt input or past `maxExpandedBytes`. */
export async function* decompress(
  source: AsyncIterable<Uint8Array>,
  compression: Compression,
  fileName: string,
  maxExpandedBytes: number,
): AsyncGenerator<Uint8Array> {
  let expanded = 0;
  // A fault of the source (storage unreachable, the object gone) is the caller's to retry; only
  // a fault of the decompressor itself means the bytes are corrupt.
  let sourceFault: { error: unknown } | undefined;
  const guarded = (async function* () {
    try {
      yield* source;
    } catch (error) {
      sourceFault = { error };
      throw error;
    }
  })();
  const inner =
    compression === 'none' ? guarded : compression === 'zstd' ? zstdStream(guarded) : nodeStream(guarded, compression);
  try {
    for await (const chunk of inner) {
      expanded += chunk.length;
      if (expanded > maxExpandedBytes) {
        throw new BadInputError(
          `expanded size exceeds the ${maxExpandedBytes}-byte limit (limits.maxExpandedBytes)${compression === 'none' ? '' : `; a ${compression} bomb?`}`,
          { file: fileName },
        );
      }
      yield chunk;
    }
  } catch (e) {
    if (e instanceof BadInputError || sourceFault) throw e;
    if (compression !== 'none') {
      throw new BadInputError(
        `corrupt or truncated ${compression} stream: ${(e as Error).message}`,
        { file: fileName },
        { cause: e },
      );
    }
    throw e;
  }
}

function nodeStream(source: AsyncIterable<Uint8Array>, compression: 'gzip' | 'bzip2'): AsyncIterable<Uint8Array> {
  const input = Readable.from(source, { objectMode: false });
  if (compression === 'gzip') {
    const gunzip = createGunzip({ chunkSize: 256 * 1024 });
    input.on('error', (e) => gunzip.destroy(e));
    return input.pipe(gunzip);
  }
  const bz = unbzip2();
  input.on('error', (e) => bz.destroy(e));
  const out = new Readable({ read() {} });
  bz.on('data', (d: Uint8Array) => out.push(d));
  bz.on('end', () => out.push(null));
  bz.on('error', (e: Error) => out.destroy(e));
  input.pipe(bz);
  return out;
}

async function* zstdStream(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  let out: Uint8Array[] = [];
  let ended = false;
  const d = new ZstdDecompress((chunk, final) => {
    out.push(chunk);
    if (final) ended = true;
  });
  for await (const chunk of source) {
    d.push(chunk);
    if (out.length > 0) {
      const ready = out;
      out = [];
      yield* ready;
    }
  }
  d.push(new Uint8Array(0), true);
  yield* out;
  if (!ended) throw new Error('unexpected end of zstd stream');
}
