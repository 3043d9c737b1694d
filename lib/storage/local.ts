/**
 * `LocalFileIO`: FileIO over the local file system. Accepts `file:///abs`, `file:/abs` and bare
 * absolute paths. Writes go to a temporary sibling and are renamed into place, so a reader (or a
 * crash) never sees a half-written file.
 */
import { randomUUID } from 'node:crypto';
import { createReadStream, rmSync } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type FileInfo, type FileIO, FileNotFoundError } from '../iceberg/file-io.js';

/** Converts a `file:` URI or plain path to a local path. */
export function toLocalPath(path: string): string {
  // `file://data/x` (seen in duckdb-iceberg fixtures) is a relative path, not a host named "data".
  if (path.startsWith('file://') && !path.startsWith('file:///') && !path.startsWith('file://localhost/')) {
    return path.slice('file://'.length);
  }
  if (path.startsWith('file://')) return fileURLToPath(path);
  if (path.startsWith('file:')) return path.slice('file:'.length);
  return path;
}

/**
 * Temporary files being written. A process that exits mid-write (a second Ctrl-C calls
 * `process.exit`) removes them on the way out, so no `.tmp` is left behind (issue #18).
 */
const inFlightTemps = new Set<string>();
let exitHookInstalled = false;
function inFlightTemp(path: string): string {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const temp of inFlightTemps) rmSync(temp, { force: true });
    });
  }
  inFlightTemps.add(path);
  return path;
}

export class LocalFileIO implements FileIO {
  async read(path: string): Promise<Uint8Array> {
    try {
      return new Uint8Array(await readFile(toLocalPath(path)));
    } catch (error) {
      throw notFoundOr(error, path);
    }
  }

  async *readStream(path: string): AsyncIterable<Uint8Array> {
    try {
      for await (const chunk of createReadStream(toLocalPath(path), { highWaterMark: 1 << 20 })) {
        yield chunk as Uint8Array;
      }
    } catch (error) {
      throw notFoundOr(error, path);
    }
  }

  async write(path: string, bytes: Uint8Array): Promise<void> {
    const target = toLocalPath(path);
    await mkdir(dirname(target), { recursive: true });
    const temp = inFlightTemp(`${target}.${randomUUID()}.tmp`);
    try {
      await writeFile(temp, bytes);
      await rename(temp, target);
    } finally {
      inFlightTemps.delete(temp);
    }
  }

  async writeStream(path: string, chunks: AsyncIterable<Uint8Array>): Promise<number> {
    const target = toLocalPath(path);
    await mkdir(dirname(target), { recursive: true });
    const temp = inFlightTemp(`${target}.${randomUUID()}.tmp`);
    let written = 0;
    try {
      const handle = await open(temp, 'w');
      try {
        for await (const chunk of chunks) {
          await handle.write(chunk);
          written += chunk.byteLength;
        }
      } catch (error) {
        await handle.close();
        await rm(temp, { force: true });
        throw error;
      }
      await handle.close();
      await rename(temp, target);
    } finally {
      inFlightTemps.delete(temp);
    }
    return written;
  }

  async exists(path: string): Promise<boolean> {
    try {
      await stat(toLocalPath(path));
      return true;
    } catch {
      return false;
    }
  }

  async stat(path: string): Promise<FileInfo> {
    try {
      const s = await stat(toLocalPath(path));
      return { path, size: s.size, lastModified: s.mtime, etag: `${s.size}-${s.mtimeMs}` };
    } catch (error) {
      throw notFoundOr(error, path);
    }
  }

  async delete(path: string): Promise<void> {
    await rm(toLocalPath(path), { force: true });
  }

  async *list(prefix: string): AsyncIterable<FileInfo> {
    const localPrefix = toLocalPath(prefix);
    // Walk from the deepest existing directory at or above the prefix.
    const root = localPrefix.endsWith('/') ? localPrefix.slice(0, -1) : dirname(localPrefix);
    const uriPrefix = prefix.slice(0, prefix.length - localPrefix.length);
    for await (const file of walkFiles(root)) {
      if (file.startsWith(localPrefix)) {
        const s = await stat(file);
        yield { path: uriPrefix + file, size: s.size, lastModified: s.mtime, etag: `${s.size}-${s.mtimeMs}` };
      }
    }
  }
}

/**
 * Yields the files below `dir` in lexical order, skipping temporary files and any entry (file or
 * folder) whose name `skip` rejects.
 */
export async function* walkFiles(dir: string, skip: (name: string) => boolean = () => false): AsyncIterable<string> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    if (skip(entry.name)) continue;
    const full = join(dir, entry.name);
    if (entry.isDirectory()) yield* walkFiles(full, skip);
    else if (entry.isFile() && !entry.name.endsWith('.tmp')) yield full;
  }
}

function notFoundOr(error: unknown, path: string): unknown {
  return (error as NodeJS.ErrnoException)?.code === 'ENOENT' ? new FileNotFoundError(path, { cause: error }) : error;
}
