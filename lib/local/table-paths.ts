/**
 * Local table paths: find the current metadata file of a table directory, and map the paths found
 * inside metadata and manifests (foreign schemes, relative warehouses, other machines' absolute
 * paths) onto the files on this disk. Used by `floe inspect` and by tests on copied tables.
 *
 * @example
 * const table = await openLocalTable('test/fixtures/tables/icebird-spark-bunnies');
 * table.metadata['format-version'];             // 2
 * await table.io.read(currentSnapshot(table.metadata)!['manifest-list']!); // remapped to the local copy
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import type { FileInfo, FileIO } from '../iceberg/file-io.js';
import { readTableMetadata } from '../iceberg/metadata.js';
import type { TableMetadata } from '../iceberg/types.js';
import { LocalFileIO, toLocalPath } from '../storage/local.js';

/** Raised when no metadata file can be found for a table directory. */
export class MetadataNotFoundError extends Error {
  override name = 'MetadataNotFoundError';
  constructor(
    readonly path: string,
    options?: { cause?: unknown },
  ) {
    super(`no table metadata found at ${path} (expected metadata/*.metadata.json or a metadata.json file)`, options);
  }
}

/** `v12.metadata.json`, `v12.gz.metadata.json`, `v12.metadata.json.gz` (Hadoop tables). */
const HADOOP_NAME = /^v(\d+)(?:\.gz)?\.metadata\.json(?:\.gz)?$/;
/** `00012-<uuid>.metadata.json` and its gzip variants (catalog tables). */
const CATALOG_NAME = /^(\d+)-.+?(?:\.gz)?\.metadata\.json(?:\.gz)?$/;

/** The version number encoded in a metadata file name, or undefined for other names. */
export function metadataVersion(fileName: string): number | undefined {
  const match = HADOOP_NAME.exec(fileName) ?? CATALOG_NAME.exec(fileName);
  return match ? Number(match[1]) : undefined;
}

/**
 * Finds the current metadata file of a table on local disk. `path` may be a metadata file, the
 * table directory, or its `metadata/` directory. A `version-hint.text` (or Impala's
 * `version-hint.txt`) holding a number or a file stem wins when the file it names exists;
 * otherwise the highest versioned `*.metadata.json` is current.
 */
export function findCurrentMetadata(path: string): string {
  const target = resolve(toLocalPath(path));
  if (!existsSync(target)) throw new MetadataNotFoundError(path);
  if (statSync(target).isFile()) return target;
  const dir = metadataDir(target);
  if (!dir) throw new MetadataNotFoundError(path);
  const names = readdirSync(dir);
  const hinted = fromVersionHint(dir, names);
  if (hinted) return hinted;
  let best: { name: string; version: number } | undefined;
  for (const name of names) {
    const version = metadataVersion(name);
    if (version !== undefined && (!best || version > best.version)) best = { name, version };
  }
  if (!best) throw new MetadataNotFoundError(path);
  return join(dir, best.name);
}

function metadataDir(dir: string): string | undefined {
  if (existsSync(join(dir, 'metadata')) && statSync(join(dir, 'metadata')).isDirectory()) return join(dir, 'metadata');
  if (readdirSync(dir).some((n) => n.endsWith('.metadata.json') || n.startsWith('version-hint'))) return dir;
  // A directory holding one table plus sibling data directories (external `write.data.path`).
  const tables = readdirSync(dir).filter((n) => existsSync(join(dir, n, 'metadata')));
  return tables.length === 1 ? join(dir, tables[0]!, 'metadata') : undefined;
}

function fromVersionHint(dir: string, names: string[]): string | undefined {
  const hintName = names.find((n) => n === 'version-hint.text') ?? names.find((n) => n === 'version-hint.txt');
  if (!hintName) return undefined;
  const hint = readFileSync(join(dir, hintName), 'utf8').trim();
  if (!hint) return undefined;
  if (/^\d+$/.test(hint)) {
    const version = Number(hint);
    const match =
      names.find((n) => metadataVersion(n) === version && HADOOP_NAME.test(n)) ??
      names.find((n) => metadataVersion(n) === version);
    return match ? join(dir, match) : undefined;
  }
  // Some writers (Iceberg Java's HadoopTables via duckdb) store the file stem instead of a number.
  const match = names.find((n) => n === hint || n.startsWith(`${hint}.`));
  return match ? join(dir, match) : undefined;
}

/**
 * Maps a path found in table metadata or a manifest onto a local file of the table copied to
 * `localDir`. Tries, in order: the path as written (absolute local paths only), the path with the
 * table `location` prefix replaced by `localDir`, then ever shorter suffixes of the path under
 * `localDir` and under its parent (data directories outside the table location are siblings).
 * Returns the best guess when nothing exists, so a read fails naming a sensible path.
 */
export function resolveTablePath(tableLocation: string, localDir: string, path: string): string {
  const root = resolve(localDir);
  const local = isLocalForm(path) ? fileUriPath(path) : undefined;
  // Already a path of the local copy (idempotent), e.g. a table floe wrote into a local warehouse.
  if (local && isAbsolute(local) && isInside(local, root) && existsSync(local)) return local;
  let guess: string | undefined;
  for (const prefix of locationPrefixes(tableLocation)) {
    if (path.startsWith(prefix)) {
      const candidate = join(root, path.slice(prefix.length));
      if (existsSync(candidate)) return candidate;
      guess ??= candidate;
    }
  }
  const segments = stripScheme(path)
    .split('/')
    .filter((s) => s !== '' && s !== '.');
  for (const base of [root, dirname(root)]) {
    for (let i = 0; i < segments.length; i++) {
      const candidate = join(base, ...segments.slice(i));
      if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
    }
  }
  if (local && isAbsolute(local) && existsSync(local)) return local;
  return guess ?? join(root, segments.slice(-2).join('/'));
}

function isInside(path: string, dir: string): boolean {
  return resolve(path).startsWith(`${dir}/`);
}

/** The path of a `file:` URI, tolerating `file://relative/path` (duckdb-map_stats) that `fileURLToPath` rejects. */
function fileUriPath(path: string): string {
  if (path.startsWith('file:///')) return decodeURIComponent(path.slice('file://'.length));
  if (path.startsWith('file://')) return path.slice('file://'.length);
  if (path.startsWith('file:')) return path.slice('file:'.length);
  return path;
}

/** A bare path or a `file:` URI, as opposed to a foreign scheme (s3, hdfs, gs). */
function isLocalForm(path: string): boolean {
  return path.startsWith('file:') || !/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(path);
}

function stripScheme(path: string): string {
  // s3://bucket/key → bucket/key; hdfs://host:port/a → a; file:///a → a; file://rel → rel.
  const m = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/([^/]*)(\/.*)?$/.exec(path);
  if (m) return `${m[1]}${m[2] ?? ''}`;
  return path.replace(/^file:/, '');
}

/** The spellings a table location may take as a path prefix (`./x`, `x`, `file://x`, with and without a trailing slash). */
function locationPrefixes(location: string): string[] {
  const base = location.replace(/\/+$/, '');
  const variants = new Set<string>([base]);
  if (base.startsWith('./')) variants.add(base.slice(2));
  if (base.startsWith('file://')) variants.add(base.slice('file://'.length));
  if (base.startsWith('file:')) variants.add(base.slice('file:'.length));
  if (base.startsWith('s3a://') || base.startsWith('s3n://')) variants.add(`s3://${base.slice(6)}`);
  if (base.startsWith('s3://')) {
    variants.add(`s3a://${base.slice(5)}`);
    variants.add(`s3n://${base.slice(5)}`);
  }
  return [...variants].map((v) => `${v}/`);
}

/**
 * A FileIO over a table copied to local disk: every path is passed through
 * {@link resolveTablePath} first, so code written for the table's real storage (manifest lists,
 * manifests, data files) reads the local copy unchanged. Writes and lists go to the mapped path.
 */
export class LocalTableFileIO implements FileIO {
  constructor(
    readonly tableLocation: string,
    readonly localDir: string,
    private readonly inner: FileIO = new LocalFileIO(),
  ) {}

  /** The local path a table path maps to. */
  resolve(path: string): string {
    return resolveTablePath(this.tableLocation, this.localDir, path);
  }

  read(path: string): Promise<Uint8Array> {
    return this.inner.read(this.resolve(path));
  }
  readStream(path: string): AsyncIterable<Uint8Array> {
    return this.inner.readStream(this.resolve(path));
  }
  write(path: string, bytes: Uint8Array): Promise<void> {
    return this.inner.write(this.resolve(path), bytes);
  }
  writeStream(path: string, chunks: AsyncIterable<Uint8Array>): Promise<number> {
    return this.inner.writeStream(this.resolve(path), chunks);
  }
  exists(path: string): Promise<boolean> {
    return this.inner.exists(this.resolve(path));
  }
  stat(path: string): Promise<FileInfo> {
    return this.inner.stat(this.resolve(path));
  }
  delete(path: string): Promise<void> {
    return this.inner.delete(this.resolve(path));
  }
  list(prefix: string): AsyncIterable<FileInfo> {
    return this.inner.list(this.resolve(prefix));
  }
}

/** A table opened from local disk. */
export interface LocalTable {
  /** The local path of the current metadata file. */
  metadataPath: string;
  metadata: TableMetadata;
  /** The local directory that stands for the table `location`. */
  tableDir: string;
  /** Reads paths as written in the metadata, mapped onto the local copy. */
  io: LocalTableFileIO;
}

/** Opens a table from a table directory, its `metadata/` directory or a metadata file. */
export async function openLocalTable(path: string): Promise<LocalTable> {
  const metadataPath = findCurrentMetadata(path);
  const metadata = await readTableMetadata(new LocalFileIO(), metadataPath);
  // The table directory is the parent of `metadata/`; a lone metadata file stands in its own dir.
  const parent = dirname(metadataPath);
  const tableDir = basename(parent) === 'metadata' ? dirname(parent) : parent;
  return { metadataPath, metadata, tableDir, io: new LocalTableFileIO(metadata.location, tableDir) };
}
