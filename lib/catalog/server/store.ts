/**
 * The embedded catalog's state, kept in the warehouse itself so it survives a restart:
 *
 *   <warehouse>/_catalog/namespaces/<ns>.json          { namespace, properties }
 *   <warehouse>/_catalog/tables/<ns>/<table>.json      { "metadata-location": … }   (the pointer)
 *   <table location>/metadata/<version>-<uuid>.metadata.json
 *
 * A commit writes a new metadata file, then replaces the pointer (FileIO writes are atomic:
 * rename locally, a single PUT on S3). Commits to one table are serialized by an in-process
 * mutex; a multi-table transaction takes the tables' locks in a fixed order.
 */
import { randomUUID } from 'node:crypto';
import { type FileIO, FileNotFoundError } from '../../iceberg/file-io.js';
import { parseJson, stringifyJson } from '../../iceberg/json.js';
import { readTableMetadata, serializeTableMetadata } from '../../iceberg/metadata.js';
import { applyUpdates, checkRequirements } from '../../iceberg/metadata-builder.js';
import type { TableChange, TableMetadata } from '../../iceberg/types.js';
import type { TableIdentifier } from '../catalog.js';
import { ServerError } from './server-error.js';

/** A table as stored: where its current metadata is, and that metadata. */
export interface StoredTable {
  identifier: TableIdentifier;
  /** The metadata file's bytes (compact spec JSON, UTF-8), reused for responses instead of re-serializing. */
  bytes?: Uint8Array;
  metadataLocation: string;
  metadata: TableMetadata;
}

const SEP = '\u001f';

/** Per-key async mutex: callers run one at a time per key, in arrival order. */
export class KeyedMutex {
  private tails = new Map<string, Promise<void>>();

  /** Runs `fn` holding the locks of all `keys` (taken in sorted order to avoid deadlock). */
  async run<T>(keys: string[], fn: () => Promise<T>): Promise<T> {
    const sorted = [...new Set(keys)].sort();
    const releases: Array<() => void> = [];
    for (const key of sorted) {
      const previous = this.tails.get(key) ?? Promise.resolve();
      let release!: () => void;
      const mine = new Promise<void>((resolve) => {
        release = resolve;
      });
      const tail = previous.then(() => mine);
      this.tails.set(key, tail);
      releases.push(() => {
        release();
        if (this.tails.get(key) === tail) this.tails.delete(key);
      });
      await previous;
    }
    try {
      return await fn();
    } finally {
      for (const release of releases.reverse()) release();
    }
  }
}

/** Namespaces and table pointers of the embedded catalog. */
export class CatalogStore {
  private readonly root: string;
  private readonly tableCache = new Map<string, StoredTable>();
  readonly locks = new KeyedMutex();

  constructor(
    readonly warehouse: string,
    readonly io: FileIO,
  ) {
    this.warehouse = warehouse.replace(/\/+$/, '');
    this.root = `${this.warehouse}/_catalog`;
  }

  private namespaceFile(ns: string[]): string {
    return `${this.root}/namespaces/${encodeURIComponent(ns.join(SEP))}.json`;
  }

  private tableFile(id: TableIdentifier): string {
    return `${this.root}/tables/${encodeURIComponent(id.namespace.join(SEP))}/${encodeURIComponent(id.name)}.json`;
  }

  /** The lock key of a table. */
  static key(id: TableIdentifier): string {
    return [...id.namespace, id.name].join(SEP);
  }

  private async readJson<T>(path: string): Promise<T | undefined> {
    try {
      return parseJson<T>(new TextDecoder().decode(await this.io.read(path)));
    } catch (error) {
      if (error instanceof FileNotFoundError) return undefined;
      throw error;
    }
  }

  private async writeJson(path: string, value: unknown): Promise<void> {
    await this.io.write(path, new TextEncoder().encode(stringifyJson(value)));
  }

  // ── namespaces ──

  async namespaceProperties(ns: string[]): Promise<Record<string, string> | undefined> {
    const entry = await this.readJson<{ properties?: Record<string, string> }>(this.namespaceFile(ns));
    return entry ? (entry.properties ?? {}) : undefined;
  }

  async requireNamespace(ns: string[]): Promise<Record<string, string>> {
    const props = await this.namespaceProperties(ns);
    if (!props) throw new ServerError(404, 'NoSuchNamespaceException', `Namespace does not exist: ${ns.join('.')}`);
    return props;
  }

  async createNamespace(ns: string[], properties: Record<string, string>): Promise<void> {
    await this.locks.run([`ns:${ns.join(SEP)}`], async () => {
      if (await this.namespaceProperties(ns))
        throw new ServerError(409, 'AlreadyExistsException', `Namespace already exists: ${ns.join('.')}`);
      await this.writeJson(this.namespaceFile(ns), { namespace: ns, properties });
    });
  }

  async setNamespaceProperties(ns: string[], properties: Record<string, string>): Promise<void> {
    await this.writeJson(this.namespaceFile(ns), { namespace: ns, properties });
  }

  /** All namespaces, sorted. */
  async allNamespaces(): Promise<string[][]> {
    const out: string[][] = [];
    for await (const file of this.io.list(`${this.root}/namespaces/`)) {
      const name = file.path.slice(file.path.lastIndexOf('/') + 1);
      if (!name.endsWith('.json')) continue;
      out.push(decodeURIComponent(name.slice(0, -'.json'.length)).split(SEP));
    }
    return out.sort((a, b) => cmp(a.join(SEP), b.join(SEP)));
  }

  async dropNamespace(ns: string[]): Promise<void> {
    await this.requireNamespace(ns);
    if ((await this.tableNames(ns)).length > 0) {
      throw new ServerError(409, 'NamespaceNotEmptyException', `Namespace is not empty: ${ns.join('.')}`);
    }
    const children = (await this.allNamespaces()).filter((n) => n.length > ns.length && ns.every((p, i) => n[i] === p));
    if (children.length > 0)
      throw new ServerError(409, 'NamespaceNotEmptyException', `Namespace has child namespaces: ${ns.join('.')}`);
    await this.io.delete(this.namespaceFile(ns));
  }

  // ── tables ──

  async tableNames(ns: string[]): Promise<string[]> {
    const dir = `${this.root}/tables/${encodeURIComponent(ns.join(SEP))}/`;
    const out: string[] = [];
    for await (const file of this.io.list(dir)) {
      const name = file.path.slice(file.path.lastIndexOf('/') + 1);
      if (name.endsWith('.json')) out.push(decodeURIComponent(name.slice(0, -'.json'.length)));
    }
    return out.sort(cmp);
  }

  /** The table, or undefined. Pointers are cached: this process is the catalog's only writer. */
  async table(id: TableIdentifier): Promise<StoredTable | undefined> {
    const key = CatalogStore.key(id);
    const cached = this.tableCache.get(key);
    if (cached) return cached;
    const pointer = await this.readJson<{ 'metadata-location': string }>(this.tableFile(id));
    if (!pointer) return undefined;
    const metadata = await readTableMetadata(this.io, pointer['metadata-location']);
    const stored = { identifier: id, metadataLocation: pointer['metadata-location'], metadata };
    this.tableCache.set(key, stored);
    return stored;
  }

  async requireTable(id: TableIdentifier): Promise<StoredTable> {
    const table = await this.table(id);
    if (!table)
      throw new ServerError(
        404,
        'NoSuchTableException',
        `Table does not exist: ${[...id.namespace, id.name].join('.')}`,
      );
    return table;
  }

  /** The default location of a new table: `<warehouse>/<ns…>/<table>`. */
  defaultLocation(id: TableIdentifier): string {
    return [this.warehouse, ...id.namespace, id.name].join('/');
  }

  /** Writes `metadata` as the next version of the table and swaps the pointer. */
  async writeVersion(id: TableIdentifier, metadata: TableMetadata, previous?: StoredTable): Promise<StoredTable> {
    const version = previous ? versionOf(previous.metadataLocation) + 1 : 0;
    let next = metadata;
    if (previous) {
      // spec: metadata-log lists previous metadata files, bounded by write.metadata.previous-versions-max.
      const max = Number(metadata.properties['write.metadata.previous-versions-max'] ?? 100);
      const log = [
        ...(metadata['metadata-log'] ?? []),
        { 'metadata-file': previous.metadataLocation, 'timestamp-ms': previous.metadata['last-updated-ms'] },
      ];
      next = { ...metadata, 'metadata-log': log.slice(Math.max(0, log.length - max)) };
    }
    const location = `${next.location}/metadata/${String(version).padStart(5, '0')}-${randomUUID()}.metadata.json`;
    const bytes = new TextEncoder().encode(serializeTableMetadata(next, { space: 0 }));
    await this.io.write(location, bytes);
    await this.writeJson(this.tableFile(id), { 'metadata-location': location });
    const stored = { identifier: id, metadataLocation: location, metadata: next, bytes };
    this.tableCache.set(CatalogStore.key(id), stored);
    return stored;
  }

  /** Checks requirements and applies updates to one table; call under the table's lock. */
  prepareCommit(current: StoredTable | undefined, change: TableChange, fresh: () => TableMetadata): TableMetadata {
    checkRequirements(current?.metadata, change.requirements);
    return applyUpdates(current?.metadata ?? fresh(), change.updates);
  }

  async dropTable(id: TableIdentifier, purge: boolean): Promise<void> {
    const table = await this.requireTable(id);
    await this.io.delete(this.tableFile(id));
    this.tableCache.delete(CatalogStore.key(id));
    if (purge) {
      const files: string[] = [];
      for await (const file of this.io.list(`${table.metadata.location}/`)) files.push(file.path);
      for (const file of files) await this.io.delete(file);
    }
  }

  async renameTable(from: TableIdentifier, to: TableIdentifier): Promise<void> {
    await this.locks.run([CatalogStore.key(from), CatalogStore.key(to)], async () => {
      const table = await this.requireTable(from);
      await this.requireNamespace(to.namespace);
      if (await this.table(to))
        throw new ServerError(
          409,
          'AlreadyExistsException',
          `Table already exists: ${[...to.namespace, to.name].join('.')}`,
        );
      await this.writeJson(this.tableFile(to), { 'metadata-location': table.metadataLocation });
      await this.io.delete(this.tableFile(from));
      this.tableCache.delete(CatalogStore.key(from));
    });
  }
}

function versionOf(metadataLocation: string): number {
  const name = metadataLocation.slice(metadataLocation.lastIndexOf('/') + 1);
  const match = /^(\d+)-/.exec(name) ?? /^v(\d+)\./.exec(name);
  return match ? Number(match[1]) : 0;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
