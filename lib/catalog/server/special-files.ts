/**
 * Reads of the embedded catalog's local files that cannot hang. A plain `open()` of a FIFO
 * blocks a libuv thread until a writer appears, and a Node process with such a thread never
 * exits, not even on SIGTERM (issue 12). Files are therefore opened with `O_NONBLOCK` (which
 * changes nothing for a regular file) and checked with `fstat` on the same descriptor before a
 * byte is read: a FIFO, socket, device or directory is refused with {@link SpecialFileError}.
 */
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';

/** Pseudo file systems no table location may lie in, whatever the warehouse (`/proc`, `/sys`, `/dev`). */
export const PSEUDO_FILE_SYSTEMS: readonly string[] = ['/proc', '/sys', '/dev'];

/** A path the catalog reads names a FIFO, socket, device or directory, not a regular file. */
export class SpecialFileError extends Error {
  override name = 'SpecialFileError';
  constructor(
    readonly path: string,
    readonly kind: string,
  ) {
    super(`${path} is a ${kind}, not a regular file: refused (it could block a read forever)`);
  }
}

const READ_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY;

/**
 * The bytes of a regular local file, or undefined when it does not exist; throws
 * {@link SpecialFileError} for anything else, and refuses files over `maxBytes`.
 */
export async function readRegularFile(
  path: string,
  maxBytes = Number.POSITIVE_INFINITY,
): Promise<Uint8Array | undefined> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, READ_FLAGS);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    // ENXIO / EOPNOTSUPP: a Unix socket (it cannot be opened as a file).
    if (code === 'ENXIO' || code === 'EOPNOTSUPP') throw new SpecialFileError(path, 'socket or FIFO');
    throw error;
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new SpecialFileError(path, kindOf(info));
    if (info.size > maxBytes) throw new SpecialFileError(path, `file over ${maxBytes} bytes`);
    return new Uint8Array(await handle.readFile());
  } finally {
    await handle.close();
  }
}

function kindOf(info: {
  isFIFO(): boolean;
  isSocket(): boolean;
  isDirectory(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
}): string {
  if (info.isFIFO()) return 'FIFO';
  if (info.isSocket()) return 'socket';
  if (info.isDirectory()) return 'directory';
  if (info.isCharacterDevice() || info.isBlockDevice()) return 'device';
  return 'special file';
}
