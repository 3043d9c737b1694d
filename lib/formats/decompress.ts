/**
 * Streaming decompression with a cap on expanded bytes (a gzip bomb is stopped after
 * `maxExpandedBytes`, not after filling the disk or the heap). gzip uses node's zlib (it runs on
 * the libuv pool, so inflating overlaps parsing); zstd uses `fzstd`; bzip2 `unbzip2-stream`.
 */
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { Decompress as ZstdDecompress } from 'fzstd';
import bitIterator, { type BitReader } from 'unbzip2-stream/lib/bit_iterator.js';
import bz2 from 'unbzip2-stream/lib/bzip2.js';
import { BadInputError } from './bad-input-error.js';
import { LimitExceededError } from './caps.js';
import type { Compression } from './detect.js';

/** A gzip, zstd or bzip2 stream that its decoder refused (corrupt or truncated). */
export class CorruptStreamError extends BadInputError {
  override name = 'CorruptStreamError';
}

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
  const tooBig = () =>
    new LimitExceededError(
      `expanded size exceeds the ${maxExpandedBytes}-byte limit (limits.maxExpandedBytes)${compression === 'none' ? '' : `; a ${compression} bomb?`}`,
      'limits.maxExpandedBytes',
      { file: fileName },
    );
  const inner =
    compression === 'none'
      ? guarded
      : compression === 'zstd'
        ? zstdStream(guarded)
        : compression === 'bzip2'
          ? bzip2Stream(guarded, () => maxExpandedBytes - expanded, tooBig)
          : gzipStream(guarded);
  try {
    for await (const chunk of inner) {
      expanded += chunk.length;
      if (expanded > maxExpandedBytes) throw tooBig();
      yield chunk;
    }
  } catch (e) {
    if (e instanceof BadInputError || sourceFault) throw e;
    if (compression !== 'none') {
      throw new CorruptStreamError(
        `corrupt or truncated ${compression} stream: ${(e as Error)?.message ?? String(e)}`,
        { file: fileName },
        { cause: e },
      );
    }
    throw e;
  }
}

function gzipStream(source: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
  // pipe() honours backpressure: zlib inflates only as fast as the reader consumes.
  const input = Readable.from(source, { objectMode: false });
  const gunzip = createGunzip({ chunkSize: 256 * 1024 });
  input.on('error', (e) => gunzip.destroy(e));
  return input.pipe(gunzip);
}

/**
 * Compressed bytes handed to a push-style decoder at a time. A zstd RLE block is 4 bytes in and
 * 128 KiB out, so one slice inflates to at most 32 MiB before the consumer (and the cap) sees it.
 */
const ZSTD_SLICE = 1024;

async function* zstdStream(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  let out: Uint8Array[] = [];
  let ended = false;
  const d = new ZstdDecompress((chunk, final) => {
    out.push(chunk);
    if (final) ended = true;
  });
  for await (const chunk of source) {
    // fzstd inflates everything a push completes: push small slices and hand each one's output
    // on before the next, so memory stays bounded by one slice's output (issue #19).
    for (let at = 0; at < chunk.length; at += ZSTD_SLICE) {
      d.push(chunk.subarray(at, Math.min(chunk.length, at + ZSTD_SLICE)));
      if (out.length > 0) {
        const ready = out;
        out = [];
        yield* ready;
      }
    }
  }
  d.push(new Uint8Array(0), true);
  yield* out;
  if (!ended) throw new Error('unexpected end of zstd stream');
}

/**
 * bzip2, one block at a time, pulled by the consumer. unbzip2-stream's own stream decodes every
 * block its input holds in one write and ignores backpressure (a bomb filled gigabytes: issue
 * #19), so its block decoder is driven here directly: a block is decoded only when the consumer
 * asks for more, into a byte buffer (not a number array), and stops mid-block past the cap.
 */
async function* bzip2Stream(
  source: AsyncIterable<Uint8Array>,
  budget: () => number,
  tooBig: () => Error,
): AsyncGenerator<Uint8Array> {
  const queue: Uint8Array[] = [];
  let buffered = 0;
  let sourceDone = false;
  const it = source[Symbol.asyncIterator]();
  const nextBuffer = () => {
    const next = queue.shift();
    if (next === undefined) throw new Error('unexpected end of bzip2 stream');
    return next;
  };
  let bits: BitReader | undefined; // it takes its first buffer when made: made after the first read
  const unread = () => buffered - (bits?.bytesRead ?? 0);
  // Input a block may need: the decoder reads synchronously, so it must all be buffered first.
  const fill = async (need: number) => {
    while (!sourceDone && unread() < need) {
      const r = await it.next();
      if (r.done) sourceDone = true;
      else if (r.value.length > 0) {
        queue.push(r.value);
        buffered += r.value.length;
      }
    }
  };
  let blockSize = 0;
  let streamCRC: number | null = 0;
  let table = new Int32Array(0);
  let out = new Uint8Array(1 << 20);
  for (;;) {
    await fill(blockSize === 0 ? 4 : 25000 + 100000 * blockSize);
    if (unread() <= 0) break;
    bits ??= bitIterator(nextBuffer);
    if (blockSize === 0) {
      blockSize = bz2.header(bits);
      streamCRC = 0;
      if (table.length < 100000 * blockSize) table = new Int32Array(100000 * blockSize);
      continue;
    }
    let n = 0;
    const room = budget();
    streamCRC = bz2.decompress(
      bits,
      (byte: number) => {
        if (n === out.length) {
          if (n >= room) throw tooBig();
          const bigger = new Uint8Array(n * 2);
          bigger.set(out);
          out = bigger;
        }
        out[n++] = byte;
      },
      table,
      100000 * blockSize,
      streamCRC,
    );
    if (streamCRC === null) {
      blockSize = 0; // end of this stream; another may follow (multi-stream bzip2)
      continue;
    }
    if (n > 0) yield out.slice(0, n);
  }
  if (blockSize !== 0) throw new Error('bzip2 stream ended before its end-of-stream marker');
}
