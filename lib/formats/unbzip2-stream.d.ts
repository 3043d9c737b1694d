// unbzip2-stream ships no types. floe drives its block decoder directly (see decompress.ts).
declare module 'unbzip2-stream/lib/bit_iterator.js' {
  /** A bit reader over buffers handed out by `nextBuffer`; `bytesRead` counts bytes consumed. */
  export interface BitReader {
    (n: number | null): number;
    bytesRead: number;
  }
  function bitIterator(nextBuffer: () => Uint8Array): BitReader;
  export default bitIterator;
}

declare module 'unbzip2-stream/lib/bzip2.js' {
  import type { BitReader } from 'unbzip2-stream/lib/bit_iterator.js';

  const bzip2: {
    /** Reads the stream header; returns the block size (1-9, hundreds of kB). */
    header(bits: BitReader): number;
    /** Decodes one block through `stream`; returns the running CRC, or null at end of stream. */
    decompress(
      bits: BitReader,
      stream: (byte: number) => void,
      buf: Int32Array,
      bufsize: number,
      streamCRC: number | null,
    ): number | null;
  };
  export default bzip2;
}
