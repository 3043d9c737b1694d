/**
 * The `Catalog` interface: what floe needs from an Iceberg catalog. `rest/` implements it over
 * HTTP (Dremio, Polaris, floe's embedded server); the embedded server is itself backed by a
 * directory or bucket.
 */
import type { StorageCredentials } from '../iceberg/storage-credentials.js';
import type { PartitionSpec, Schema, SortOrder, TableChange, TableMetadata } from '../iceberg/types.js';

export type { StorageCredentials } from '../iceberg/storage-credentials.js';

/** A table identifier: one or more namespace levels plus a table name. */
export interface TableIdentifier {
  namespace: string[];
  name: string;
}

/** A loaded table: its metadata and what is needed to read and write its files. */
export interface LoadedTable {
  identifier: TableIdentifier;
  metadataLocation: string;
  metadata: TableMetadata;
  /** Table-level config the catalog returned (`LoadTableResult.config`). */
  config: Record<string, string>;
  /** Vended credentials, when the catalog vends them; otherwise ambient credentials apply. */
  credentials?: StorageCredentials[];
}

export interface CreateTableRequest {
  name: string;
  schema: Schema;
  location?: string;
  'partition-spec'?: PartitionSpec;
  'write-order'?: SortOrder;
  'stage-create'?: boolean;
  properties?: Record<string, string>;
}

export interface Page<T> {
  items: T[];
  nextPageToken?: string;
}

export interface Catalog {
  listNamespaces(parent?: string[], pageToken?: string): Promise<Page<string[]>>;
  createNamespace(namespace: string[], properties?: Record<string, string>): Promise<void>;
  loadNamespace(namespace: string[]): Promise<Record<string, string>>;
  dropNamespace(namespace: string[]): Promise<void>;
  listTables(namespace: string[], pageToken?: string): Promise<Page<TableIdentifier>>;
  tableExists(id: TableIdentifier): Promise<boolean>;
  createTable(namespace: string[], request: CreateTableRequest): Promise<LoadedTable>;
  loadTable(id: TableIdentifier): Promise<LoadedTable>;
  dropTable(id: TableIdentifier, purge?: boolean): Promise<void>;
  /** Sends one commit. Throws CommitConflictError (409) or CommitStateUnknownError (5xx/transport). */
  commitTable(id: TableIdentifier, change: TableChange): Promise<LoadedTable>;
  /** Atomic multi-table commit (`transactions/commit`). */
  commitTransaction(changes: Array<{ identifier: TableIdentifier } & TableChange>): Promise<void>;
  /** Fresh vended credentials for a table (`GET …/tables/{table}/credentials`). */
  loadCredentials(id: TableIdentifier): Promise<StorageCredentials[]>;
}

/** `ns1.ns2.table` for logs and error reports. */
export function formatIdentifier(id: TableIdentifier): string {
  return [...id.namespace, id.name].join('.');
}

/** Parses `ns1.ns2.table` (the last part is the table). */
export function parseIdentifier(text: string): TableIdentifier {
  const parts = text.split('.');
  if (parts.length < 2 || parts.some((p) => p.length === 0)) {
    throw new Error(`invalid table identifier "${text}": expected namespace.table`);
  }
  return { namespace: parts.slice(0, -1), name: parts[parts.length - 1] as string };
}
