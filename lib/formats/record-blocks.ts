/**
 * `recordBlocks`: gathers a byte stream into blocks of about `blockBytes` and hands each to a
 * splitter that consumes the complete records at its front; the incomplete tail is carried into
 * the next block. A UTF-8 BOM at the start of the stream is skipped. CSV and JSON share it.
 */

/** What a splitter reports for one block: how many records it found and how far it consumed. */
export interface SplitResult {
  records: number;
  consumed: number;
}

export interface RecordBlockOptions {
  /** Target block size in bytes. */
  blockBytes: number;
  /**
   * Reuse two block buffers instead of allocating one per block (less GC). Only safe when the
   * consumer is done with a block's bytes before it asks for the next block.
   */
  reuseBuffers?: boolean;
}

/** Yields the splitter's result for each block that holds at least one complete record. */
export async function* recordBlocks<B extends SplitResult>(
  source: AsyncIterable<Uint8Array>,
  split: (buf: Uint8Array, start: number, final: boolean) => B,
  { blockBytes, reuseBuffers = false }: RecordBlockOptions,
): AsyncGenerator<B> {
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  let carry: Uint8Array = new Uint8Array(0);
  let first = true;
  // With reuse, the carry lives in one pool buffer and is copied into the other.
  const pool: Uint8Array[] = [new Uint8Array(0), new Uint8Array(0)];
  let carryPool = -1;
  const drain = (final: boolean): B | undefined => {
    let buf: Uint8Array;
    const need = carry.length + pendingBytes;
    if (carry.length === 0 && pending.length === 1) {
      buf = pending[0]!;
      carryPool = -1;
    } else {
      if (reuseBuffers) {
        const k = carryPool === 0 ? 1 : 0;
        if (pool[k]!.length < need) pool[k] = new Uint8Array(Math.max(need, blockBytes + (blockBytes >> 1)));
        buf = pool[k]!.subarray(0, need);
        carryPool = k;
      } else {
        buf = new Uint8Array(need);
      }
      buf.set(carry, 0);
      let at = carry.length;
      for (const p of pending) {
        buf.set(p, at);
        at += p.length;
      }
    }
    pending = [];
    pendingBytes = 0;
    let start = 0;
    if (first && buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) start = 3; // UTF-8 BOM
    if (first && buf.length < 3 && !final) {
      carry = buf; // too short to tell whether a BOM starts the stream
      return undefined;
    }
    first = false;
    const result = split(buf, start, final);
    carry = result.consumed < buf.length ? buf.subarray(result.consumed) : new Uint8Array(0);
    return result.records > 0 ? result : undefined;
  };
  for await (const chunk of source) {
    if (chunk.length === 0) continue;
    pending.push(chunk);
    pendingBytes += chunk.length;
    if (pendingBytes >= blockBytes && pendingBytes >= carry.length) {
      const block = drain(false);
      if (block) yield block;
    }
  }
  const block = drain(true);
  if (block) yield block;
}
