/**
 * The embedded catalog's state, kept in the warehouse itself so it survives a restart:
 *
 *   <warehouse>/_catalog/namespaces/<ns>.json          { namespace, properties }
 *   <warehouse>/_catalog/tables/<ns>/<table>.json      { "metadata-location": … }   (the pointer)
 *   <warehouse>/_catalog/intents/<uuid>.json           pointer changes of a rename / transaction
 *   <table location>/metadata/<version>-<uuid>.metadata.json
 *
 * A commit writes the new metadata file durably, then swaps the pointer (state-files.ts: fsync
 * locally, a conditional PUT on S3, so a lost race is a 409). A change of several pointers
 * (rename, multi-table transaction) first writes an intent listing them, applies it, then
 * deletes it; an intent found at start is applied again, so a crash never leaves it half done.
 * Table operations are serialized per table and namespace operations per namespace by an
 * in-process mutex; keys are taken in one sorted batch, so operations never deadlock. A request
 * past its deadline (request-deadline.ts) stops before its next state change.
 */
import { randomUUID } from 'node:crypto';
import type { FileIO } from '../../iceberg/file-io.js';
import { parseJson, stringifyJson } from '../../iceberg/json.js';
import { parseTableMetadata, serializeTableMetadata } from '../../iceberg/metadata.js';
import { applyUpdates, checkRequirements } from '../../iceberg/metadata-builder.js';
import type { TableChange, TableMetadata } from '../../iceberg/types.js';
import type { TableIdentifier } from '../catalog.js';
import type { Confinement } from './confinement.js';
import { purgeTable } from './purge.js';
import { checkDeadline } from './request-deadline.js';
import { ServerError } from './server-error.js';
import type { StateFiles } from './state-files.js';

/** A table as stored: where its current metadata is, and that metadata. */
export interface StoredTable {
  identifier: TableIdentifier;
  /** The metadata file's bytes (compact spec JSON, UTF-8), reused for responses instead of re-serializing. */
  bytes?: Uint8Array;
  metadataLocation: string;
  metadata: TableMetadata;
  /** The pointer's version tag for a conditional swap (S3 ETag). */
  tag?: string;
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

/** A pointer change of an intent: the table's pointer file gets `location`, or is deleted (null). */
interface PointerChange {
  file: string;
  location: string | null;
}

/** Namespaces and table pointers of the embedded catalog. */
export class CatalogStore {
  private readonly root: string;
  private readonly tableCache = new Map<string, StoredTable>();
  readonly locks = new KeyedMutex();

  constructor(
    readonly warehouse: string,
    readonly io: FileIO,
    readonly files: StateFiles,
    readonly confinement: Confinement,
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

  /** The lock key of a namespace. */
  static namespaceKey(ns: string[]): string {
    return `ns:${ns.join(SEP)}`;
  }

  private async readJson<T>(path: string): Promise<{ value: T; tag?: string } | undefined> {
    const file = await this.files.read(path);
    return file ? { value: parseJson<T>(new TextDecoder().decode(file.bytes)), tag: file.tag } : undefined;
  }

  private async writeJson(path: string, value: unknown, expected?: string | null): Promise<boolean> {
    return this.files.write(path, new TextEncoder().encode(stringifyJson(value)), expected);
  }

  /** Applies intents a crash left behind (call once at start, before serving). */
  async recover(): Promise<number> {
    const intents: string[] = [];
    for await (const file of this.io.list(`${this.root}/intents/`)) {
      if (file.path.endsWith('.json')) intents.push(file.path);
    }
    for (const path of intents.sort()) {
      const intent = await this.readJson<{ changes: PointerChange[] }>(path);
      if (intent) await this.applyPointerChanges(intent.value.changes);
      await this.files.delete(path);
    }
    return intents.length;
  }

  private async applyPointerChanges(changes: PointerChange[]): Promise<void> {
    for (const change of changes) {
      if (change.location === null) await this.files.delete(change.file);
      else await this.writeJson(change.file, { 'metadata-location': change.location });
    }
  }

  /** Changes several pointers all or nothing across a crash (an intent, replayed by `recover`). */
  private async changePointers(changes: PointerChange[]): Promise<void> {
    checkDeadline(); // once the intent is written, it is carried out (here or by recover)
    const intent = `${this.root}/intents/${Date.now().toString().padStart(15, '0')}-${randomUUID()}.json`;
    await this.writeJson(intent, { changes });
    await this.applyPointerChanges(changes);
    await this.files.delete(intent);
  }

  // ── namespaces ──

  async namespaceProperties(ns: string[]): Promise<Record<string, string> | undefined> {
    const entry = await this.readJson<{ properties?: Record<string, string> }>(this.namespaceFile(ns));
    return entry ? (entry.value.properties ?? {}) : undefined;
  }

  async requireNamespace(ns: string[]): Promise<Record<string, string>> {
    const props = await this.namespaceProperties(ns);
    if (!props) throw new ServerError(404, 'NoSuchNamespaceException', `Namespace does not exist: ${ns.join('.')}`);
    return props;
  }

  async createNamespace(ns: string[], properties: Record<string, string>): Promise<void> {
    await this.locks.run([CatalogStore.namespaceKey(ns)], async () => {
      if (await this.namespaceProperties(ns))
        throw new ServerError(409, 'AlreadyExistsException', `Namespace already exists: ${ns.join('.')}`);
      checkDeadline();
      await this.writeJson(this.namespaceFile(ns), { namespace: ns, properties });
    });
  }

  /** Read-modify-write of a namespace's properties, under the namespace lock. */
  async updateNamespaceProperties(
    ns: string[],
    change: (current: Record<string, string>) => Record<string, string>,
  ): Promise<void> {
    await this.locks.run([CatalogStore.namespaceKey(ns)], async () => {
      const next = change({ ...(await this.requireNamespace(ns)) });
      checkDeadline();
      await this.writeJson(this.namespaceFile(ns), { namespace: ns, properties: next });
    });
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
    await this.locks.run([CatalogStore.namespaceKey(ns)], async () => {
      await this.requireNamespace(ns);
      if ((await this.tableNames(ns)).length > 0) {
        throw new ServerError(409, 'NamespaceNotEmptyException', `Namespace is not empty: ${ns.join('.')}`);
      }
      const children = (await this.allNamespaces()).filter(
        (n) => n.length > ns.length && ns.every((p, i) => n[i] === p),
      );
      if (children.length > 0)
        throw new ServerError(409, 'NamespaceNotEmptyException', `Namespace has child namespaces: ${ns.join('.')}`);
      checkDeadline();
      await this.files.delete(this.namespaceFile(ns));
    });
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

  /**
   * The table, or undefined. Pointers are cached: locally this process is the only writer (the
   * warehouse lock); on S3 a stale entry is dropped when its conditional swap loses.
   */
  async table(id: TableIdentifier): Promise<StoredTable | undefined> {
    const key = CatalogStore.key(id);
    const cached = this.tableCache.get(key);
    if (cached) return cached;
    const pointer = await this.readJson<{ 'metadata-location': string }>(this.tableFile(id));
    if (!pointer) return undefined;
    const location = pointer.value['metadata-location'];
    const file = await this.files.read(location);
    if (!file) throw new Error(`metadata file of ${CatalogStore.key(id)} is missing`);
    const metadata = parseTableMetadata(file.bytes, location);
    // The bytes are spliced into responses only when they are plain JSON (not a gzip file).
    const bytes = file.bytes[0] === 0x7b ? file.bytes : undefined;
    const stored = { identifier: id, metadataLocation: location, metadata, bytes, tag: pointer.tag };
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

  /** The default location of a new table, unique per table: `<warehouse>/<ns…>/<table>-<uuid>`. */
  defaultLocation(id: TableIdentifier, tableUuid: string): string {
    return [this.warehouse, ...id.namespace, `${id.name}-${tableUuid.replaceAll('-', '')}`].join('/');
  }

  /** Writes `metadata` as the next metadata file of the table (durable), without swapping the pointer. */
  async writeMetadataFile(id: TableIdentifier, metadata: TableMetadata, previous?: StoredTable): Promise<StoredTable> {
    checkDeadline();
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
    await this.files.write(location, bytes);
    return { identifier: id, metadataLocation: location, metadata: next, bytes };
  }

  /** Swaps the table's pointer to `next` (conditional on `previous`); a lost race is a 409. */
  async swapPointer(next: StoredTable, previous?: StoredTable): Promise<StoredTable> {
    checkDeadline(); // a request already answered 503 must not commit afterwards
    const key = CatalogStore.key(next.identifier);
    const won = await this.writeJson(
      this.tableFile(next.identifier),
      { 'metadata-location': next.metadataLocation },
      previous ? previous.tag : null,
    );
    if (!won) {
      this.tableCache.delete(key);
      const name = [...next.identifier.namespace, next.identifier.name].join('.');
      if (!previous) throw new ServerError(409, 'AlreadyExistsException', `Table already exists: ${name}`);
      throw new ServerError(409, 'CommitFailedException', `Table ${name} was changed concurrently; reload and retry`);
    }
    // The tag of our own write is unknown without a read; a later conditional swap reads it fresh.
    const stored = { ...next, tag: undefined };
    if (previous?.tag !== undefined || (!previous && this.confinement.remote)) this.tableCache.delete(key);
    else this.tableCache.set(key, stored);
    return stored;
  }

  /** Writes the next version of one table and swaps its pointer. */
  async writeVersion(id: TableIdentifier, metadata: TableMetadata, previous?: StoredTable): Promise<StoredTable> {
    return this.swapPointer(await this.writeMetadataFile(id, metadata, previous), previous);
  }

  /**
   * Writes the next versions of several tables as one change: every metadata file first, then
   * all pointers through an intent (atomic across a crash). Local warehouses only: on S3 the
   * pointers cannot be swapped together against another server.
   */
  async writeVersions(
    versions: Array<{ id: TableIdentifier; metadata: TableMetadata; previous?: StoredTable }>,
  ): Promise<StoredTable[]> {
    if (versions.length === 1) {
      const [v] = versions as [(typeof versions)[0]];
      return [await this.writeVersion(v.id, v.metadata, v.previous)];
    }
    const written: StoredTable[] = [];
    for (const v of versions) written.push(await this.writeMetadataFile(v.id, v.metadata, v.previous));
    await this.changePointers(
      written.map((w) => ({ file: this.tableFile(w.identifier), location: w.metadataLocation })),
    );
    for (const w of written) this.tableCache.set(CatalogStore.key(w.identifier), w);
    return written;
  }

  /** Checks requirements and applies updates to one table; call under the table's lock. */
  prepareCommit(current: StoredTable | undefined, change: TableChange, fresh: () => TableMetadata): TableMetadata {
    checkRequirements(current?.metadata, change.requirements);
    return applyUpdates(current?.metadata ?? fresh(), change.updates);
  }

  /** Drops the table; with `purge`, deletes the files its metadata references (purge.ts). */
  async dropTable(id: TableIdentifier, purge: boolean): Promise<void> {
    const table = await this.requireTable(id);
    checkDeadline();
    await this.files.delete(this.tableFile(id));
    this.tableCache.delete(CatalogStore.key(id));
    if (purge) await purgeTable(table.metadata, table.metadataLocation, this.io, this.confinement);
  }

  /** Renames a table: the destination pointer and the source's removal happen together (an intent). */
  async renameTable(from: TableIdentifier, to: TableIdentifier): Promise<void> {
    await this.locks.run(
      [
        CatalogStore.key(from),
        CatalogStore.key(to),
        CatalogStore.namespaceKey(from.namespace),
        CatalogStore.namespaceKey(to.namespace),
      ],
      async () => {
        const table = await this.requireTable(from);
        await this.requireNamespace(to.namespace);
        if (await this.table(to))
          throw new ServerError(
            409,
            'AlreadyExistsException',
            `Table already exists: ${[...to.namespace, to.name].join('.')}`,
          );
        await this.changePointers([
          { file: this.tableFile(to), location: table.metadataLocation },
          { file: this.tableFile(from), location: null },
        ]);
        this.tableCache.delete(CatalogStore.key(from));
        this.tableCache.delete(CatalogStore.key(to));
      },
    );
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
