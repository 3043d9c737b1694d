// unbzip2-stream ships no types: a through-stream that decompresses bzip2.
declare module 'unbzip2-stream' {
  import type { Duplex } from 'node:stream';

  function unbzip2Stream(): Duplex;
  export default unbzip2Stream;
}
