/**
 * Table locations of the embedded catalog stay inside its warehouse. A location is resolved
 * (`..`, and locally every symlink of its existing part) and must lie strictly below the
 * warehouse root and outside the catalog's own `_catalog` folder; relative locations and
 * locations that name or pass through an existing non-directory (a device, a FIFO, a socket),
 * and locations in the pseudo file systems `/proc`, `/sys`, `/dev` are refused. Purge
 * deletes only files that pass the same check (Polaris' location rules, Java
 * `CatalogUtil.dropTableData`).
 */
import { lstat, realpath } from 'node:fs/promises';
import { basename, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { toLocalPath } from '../../storage/local.js';
import { ServerError } from './server-error.js';
import { PSEUDO_FILE_SYSTEMS } from './special-files.js';

/** Checks that locations lie inside one warehouse. */
export class Confinement {
  private root?: string;

  constructor(readonly warehouse: string) {}

  /** Whether the warehouse is an S3 location (string rules) rather than a local directory. */
  get remote(): boolean {
    return /^s3a?:\/\//.test(this.warehouse);
  }

  /** The location, normalized, when it is inside the warehouse; otherwise a 400 (no server paths in the message). */
  async tableLocation(location: unknown): Promise<string> {
    if (typeof location !== 'string' || location.length === 0)
      throw new ServerError(400, 'BadRequestException', 'location must be a non-empty string');
    const inside = await this.inside(location.replace(/\/+$/, ''));
    if (!inside) throw new ServerError(400, 'BadRequestException', 'location must lie inside the catalog warehouse');
    return inside;
  }

  /** The normalized path when `path` is strictly inside the warehouse (and not in `_catalog`), else undefined. */
  async inside(path: string): Promise<string | undefined> {
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are refused
    if (/[\u0000-\u001f]/.test(path)) return undefined;
    return this.remote ? this.insideRemote(path) : this.insideLocal(path);
  }

  private insideRemote(path: string): string | undefined {
    const root = this.warehouse.replace(/\/+$/, '');
    if (!path.startsWith(`${root}/`)) return undefined;
    const rest = path.slice(root.length + 1).split('/');
    if (rest.some((s) => s === '' || s === '.' || s === '..')) return undefined;
    if (rest[0] === '_catalog') return undefined;
    return path;
  }

  private async insideLocal(path: string): Promise<string | undefined> {
    const local = toLocalPath(path);
    if (!isAbsolute(local)) return undefined;
    this.root ??= await realpath(toLocalPath(this.warehouse));
    const real = await realpathOfExisting(resolve(local));
    if (real === undefined || inPseudoFileSystem(real)) return undefined;
    const rel = relative(this.root, real);
    if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return undefined;
    if (rel.split(sep)[0] === '_catalog') return undefined;
    return real;
  }

  /**
   * Throws a 400 when an existing path is not a directory (a device, FIFO, socket or file) or
   * passes through one (ENOTDIR). `lstat` never opens the file, so it cannot block.
   */
  async checkDirectory(location: string): Promise<void> {
    if (this.remote) return;
    try {
      const s = await lstat(toLocalPath(location));
      if (!s.isDirectory()) throw new ServerError(400, 'BadRequestException', 'location is not a directory');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOTDIR') throw new ServerError(400, 'BadRequestException', 'location is not a directory');
      if (code !== 'ENOENT') throw error;
    }
  }
}

/** Whether a resolved path lies in `/proc`, `/sys` or `/dev` (even when the warehouse is `/`). */
function inPseudoFileSystem(real: string): boolean {
  return PSEUDO_FILE_SYSTEMS.some((root) => real === root || real.startsWith(`${root}${sep}`));
}

/**
 * `realpath` of the deepest existing ancestor, with the missing rest appended; undefined when
 * an existing part is not a directory (a FIFO, a file: ENOTDIR) or cannot be resolved (ELOOP).
 */
async function realpathOfExisting(path: string): Promise<string | undefined> {
  const missing: string[] = [];
  let current = path;
  for (;;) {
    try {
      return join(await realpath(current), ...missing.reverse());
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOTDIR' || code === 'ELOOP' || code === 'ENAMETOOLONG') return undefined;
      if (code !== 'ENOENT') throw error;
      const parent = resolve(current, '..');
      if (parent === current) return path;
      missing.push(basename(current));
      current = parent;
    }
  }
}
