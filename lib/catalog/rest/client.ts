/**
 * `RestCatalog`: the Iceberg REST catalog client (rest-catalog-open-api.yaml) behind floe's
 * `Catalog` interface. It talks to Dremio's Polaris-based catalog in production and to floe's
 * embedded server locally; both are the same protocol.
 *
 * @example
 * const catalog = RestCatalog.dremioCloud({ warehouse: 'my_project', pat: () => secrets.pat() });
 * const table = await catalog.loadTable({ namespace: ['sales'], name: 'orders' });
 * await catalog.commitTable(table.identifier, { requirements, updates });
 */
import type { TableChange } from '../../iceberg/types.js';
import type {
  Catalog,
  CreateTableRequest,
  LoadedTable,
  Page,
  StorageCredentials,
  TableIdentifier,
} from '../catalog.js';
import { CatalogError, NoSuchTableError, type RequestKind } from '../errors.js';
import { metadataFromJson, TableResponseReader } from '../metadata-json.js';
import { type AuthProvider, DREMIO_CLOUD, type SecretSource, tokenExchangeAuth } from './auth.js';
import { type CatalogConfigResponse, ResolvedConfig } from './config.js';
import { parseVendedCredentials, type StorageCredentialJson } from './credentials.js';
import { type CatalogLogger, type HttpRequest, RestHttp } from './http.js';
import type { HttpRetryPolicy } from './retry.js';

export interface RestCatalogOptions {
  /** The catalog URI; `v1/…` is appended (e.g. `https://catalog.dremio.cloud/api/iceberg`). */
  uri: string;
  /** Sent as `GET /v1/config?warehouse=…` (Dremio: the project or catalog name). */
  warehouse?: string;
  auth?: AuthProvider;
  /** Client properties, applied between the server's defaults and overrides. */
  properties?: Record<string, string>;
  /** Ask for vended credentials on load and create (default true). */
  vendedCredentials?: boolean;
  /** Per-request timeout in ms (default 30 s). */
  timeoutMs?: number;
  fetch?: typeof fetch;
  logger?: CatalogLogger;
  /** Retries of loads, lists and `/v1/config` on 429/502/503/504 and connection errors (default 5, from 250 ms). */
  retry?: Partial<HttpRetryPolicy>;
}

interface LoadTableResult {
  'metadata-location'?: string;
  metadata: unknown;
  config?: Record<string, string>;
  'storage-credentials'?: StorageCredentialJson[];
}

/** An Iceberg REST catalog client. */
export class RestCatalog implements Catalog {
  private config?: Promise<{ config: ResolvedConfig; http: RestHttp }>;
  /** Table responses repeat the snapshot history: parse only the snapshots not seen last time. */
  private readonly tableResponses = new TableResponseReader();
  private readonly parseTable = (text: string): unknown => this.tableResponses.read(text);

  constructor(private readonly options: RestCatalogOptions) {}

  /** A client for Dremio Cloud: token exchange of the PAT at login.dremio.cloud (RFC 8693). */
  static dremioCloud(
    options: {
      warehouse: string;
      pat: SecretSource;
      uri?: string;
      tokenEndpoint?: string;
    } & Partial<RestCatalogOptions>,
  ): RestCatalog {
    const { pat, tokenEndpoint, ...rest } = options;
    return new RestCatalog({
      ...rest,
      uri: options.uri ?? DREMIO_CLOUD.catalogUri,
      auth:
        options.auth ??
        tokenExchangeAuth({ subjectToken: pat, tokenEndpoint, fetch: options.fetch, timeoutMs: options.timeoutMs }),
    });
  }

  /** The merged catalog configuration (fetches `/v1/config` once). */
  async resolvedConfig(): Promise<ResolvedConfig> {
    return (await this.connection()).config;
  }

  private connection(): Promise<{ config: ResolvedConfig; http: RestHttp }> {
    this.config ??= (async () => {
      const base = new RestHttp({ ...this.httpOptions(), baseUrl: this.options.uri });
      const response = await base.request<CatalogConfigResponse>({
        method: 'GET',
        path: 'v1/config',
        query: { warehouse: this.options.warehouse },
        kind: 'other',
      });
      const config = new ResolvedConfig(response.body ?? {}, this.options.properties);
      // An `uri` override moves the catalog (Java RESTSessionCatalog does the same).
      const uri = config.properties.uri ?? this.options.uri;
      return { config, http: uri === this.options.uri ? base : new RestHttp({ ...this.httpOptions(), baseUrl: uri }) };
    })();
    this.config.catch(() => {
      this.config = undefined;
    });
    return this.config;
  }

  private httpOptions() {
    return {
      auth: this.options.auth,
      timeoutMs: this.options.timeoutMs,
      fetch: this.options.fetch,
      logger: this.options.logger,
      retry: this.options.retry,
    };
  }

  private async send<T>(
    endpoint: string,
    build: (c: ResolvedConfig) => Omit<HttpRequest, 'method' | 'kind'>,
    kind: RequestKind,
    extra: Partial<HttpRequest> = {},
  ): Promise<{ status: number; body: T | undefined }> {
    const { config, http } = await this.connection();
    if (config.explicitEndpoints && !config.supports(endpoint)) {
      throw new CatalogError(`the catalog does not support ${endpoint}`);
    }
    const method = endpoint.split(' ')[0] as HttpRequest['method'];
    const mutation = method === 'POST' || method === 'DELETE';
    return http.request<T>({
      method,
      kind,
      idempotencyKey: mutation && config.idempotencyKeyLifetime !== undefined,
      ...build(config),
      ...extra,
    });
  }

  private delegationHeaders(): Record<string, string> {
    return this.options.vendedCredentials === false ? {} : { 'x-iceberg-access-delegation': 'vended-credentials' };
  }

  private tablePath(c: ResolvedConfig, id: TableIdentifier, ...rest: string[]): string {
    return c.path('namespaces', c.namespace(id.namespace), 'tables', encodeURIComponent(id.name), ...rest);
  }

  /** Lists namespaces under `parent` (all top-level ones when omitted), one page at a time. */
  async listNamespaces(parent?: string[], pageToken?: string): Promise<Page<string[]>> {
    const { body } = await this.send<{ namespaces?: string[][]; 'next-page-token'?: string | null }>(
      'GET /v1/{prefix}/namespaces',
      (c) => ({
        path: c.path('namespaces'),
        query: { parent: parent?.length ? c.namespaceQuery(parent) : undefined, pageToken },
      }),
      'namespace',
    );
    return page(body?.namespaces ?? [], body?.['next-page-token']);
  }

  /** Creates a namespace; AlreadyExistsError when it exists. */
  async createNamespace(namespace: string[], properties: Record<string, string> = {}): Promise<void> {
    await this.send(
      'POST /v1/{prefix}/namespaces',
      (c) => ({ path: c.path('namespaces'), body: { namespace, properties } }),
      'create',
    );
  }

  /** A namespace's properties; NoSuchNamespaceError when missing. */
  async loadNamespace(namespace: string[]): Promise<Record<string, string>> {
    const { body } = await this.send<{ properties?: Record<string, string> }>(
      'GET /v1/{prefix}/namespaces/{namespace}',
      (c) => ({ path: c.path('namespaces', c.namespace(namespace)) }),
      'namespace',
    );
    return body?.properties ?? {};
  }

  /** Drops an empty namespace. */
  async dropNamespace(namespace: string[]): Promise<void> {
    await this.send(
      'DELETE /v1/{prefix}/namespaces/{namespace}',
      (c) => ({ path: c.path('namespaces', c.namespace(namespace)) }),
      'namespace',
    );
  }

  /** Sets and removes namespace properties. */
  async updateNamespaceProperties(
    namespace: string[],
    updates: Record<string, string>,
    removals: string[] = [],
  ): Promise<{ updated: string[]; removed: string[]; missing: string[] }> {
    const { body } = await this.send<{ updated: string[]; removed: string[]; missing?: string[] | null }>(
      'POST /v1/{prefix}/namespaces/{namespace}/properties',
      (c) => ({ path: c.path('namespaces', c.namespace(namespace), 'properties'), body: { updates, removals } }),
      'namespace',
    );
    return { updated: body?.updated ?? [], removed: body?.removed ?? [], missing: body?.missing ?? [] };
  }

  /** Lists the tables of a namespace, one page at a time. */
  async listTables(namespace: string[], pageToken?: string): Promise<Page<TableIdentifier>> {
    const { body } = await this.send<{ identifiers?: TableIdentifier[]; 'next-page-token'?: string | null }>(
      'GET /v1/{prefix}/namespaces/{namespace}/tables',
      (c) => ({ path: c.path('namespaces', c.namespace(namespace), 'tables'), query: { pageToken } }),
      'namespace',
    );
    return page(body?.identifiers ?? [], body?.['next-page-token']);
  }

  /** Whether a table exists (`HEAD`, or a load when the server lists no HEAD endpoint). */
  async tableExists(id: TableIdentifier): Promise<boolean> {
    const config = await this.resolvedConfig();
    try {
      if (!config.explicitEndpoints || config.supports('HEAD /v1/{prefix}/namespaces/{namespace}/tables/{table}')) {
        await this.send(
          'HEAD /v1/{prefix}/namespaces/{namespace}/tables/{table}',
          (c) => ({ path: this.tablePath(c, id) }),
          'table',
        );
      } else {
        await this.loadTable(id);
      }
      return true;
    } catch (error) {
      if (error instanceof CatalogError && error.status === 404) return false;
      throw error;
    }
  }

  /** Creates a table (or stages it with `stage-create`); the server assigns fresh ids. */
  async createTable(namespace: string[], request: CreateTableRequest): Promise<LoadedTable> {
    const { body } = await this.send<LoadTableResult>(
      'POST /v1/{prefix}/namespaces/{namespace}/tables',
      (c) => ({
        path: c.path('namespaces', c.namespace(namespace), 'tables'),
        body: request,
        headers: this.delegationHeaders(),
        parse: this.parseTable,
      }),
      'create',
    );
    return toLoadedTable({ namespace, name: request.name }, body);
  }

  /** Loads a table with its config and vended credentials. */
  async loadTable(id: TableIdentifier): Promise<LoadedTable> {
    const { body } = await this.send<LoadTableResult>(
      'GET /v1/{prefix}/namespaces/{namespace}/tables/{table}',
      (c) => ({ path: this.tablePath(c, id), headers: this.delegationHeaders(), parse: this.parseTable }),
      'table',
    );
    return toLoadedTable(id, body);
  }

  /** Drops a table; `purge` asks the catalog to delete its files too. */
  async dropTable(id: TableIdentifier, purge = false): Promise<void> {
    await this.send(
      'DELETE /v1/{prefix}/namespaces/{namespace}/tables/{table}',
      (c) => ({ path: this.tablePath(c, id), query: purge ? { purgeRequested: 'true' } : undefined }),
      'table',
    );
  }

  /** Renames (or moves) a table. */
  async renameTable(from: TableIdentifier, to: TableIdentifier): Promise<void> {
    await this.send(
      'POST /v1/{prefix}/tables/rename',
      (c) => ({ path: c.path('tables', 'rename'), body: { source: from, destination: to } }),
      'table',
    );
  }

  /** Sends one commit (`updateTable`). 409 → CommitConflictError; 5xx/transport → CommitStateUnknownError. */
  async commitTable(id: TableIdentifier, change: TableChange, signal?: AbortSignal): Promise<LoadedTable> {
    const { body } = await this.send<LoadTableResult>(
      'POST /v1/{prefix}/namespaces/{namespace}/tables/{table}',
      (c) => ({
        path: this.tablePath(c, id),
        body: { identifier: id, requirements: change.requirements, updates: change.updates },
        parse: this.parseTable,
      }),
      'commit',
      signal ? { signal } : {},
    );
    return toLoadedTable(id, body);
  }

  /** Commits changes to several tables atomically (`transactions/commit`). */
  async commitTransaction(changes: Array<{ identifier: TableIdentifier } & TableChange>): Promise<void> {
    await this.send(
      'POST /v1/{prefix}/transactions/commit',
      (c) => ({
        path: c.path('transactions', 'commit'),
        body: {
          'table-changes': changes.map((ch) => ({
            identifier: ch.identifier,
            requirements: ch.requirements,
            updates: ch.updates,
          })),
        },
      }),
      'commit',
    );
  }

  /** Fresh vended credentials for a table. */
  async loadCredentials(id: TableIdentifier): Promise<StorageCredentials[]> {
    const { body } = await this.send<{ 'storage-credentials'?: StorageCredentialJson[] }>(
      'GET /v1/{prefix}/namespaces/{namespace}/tables/{table}/credentials',
      (c) => ({ path: this.tablePath(c, id, 'credentials') }),
      'table',
    );
    return parseVendedCredentials(body?.['storage-credentials'] ?? [], undefined, '') ?? [];
  }
}

function page<T>(items: T[], next: string | null | undefined): Page<T> {
  return next ? { items, nextPageToken: next } : { items };
}

function toLoadedTable(identifier: TableIdentifier, body: LoadTableResult | undefined): LoadedTable {
  if (!body?.metadata) throw new NoSuchTableError('the catalog returned no table metadata');
  const metadata = metadataFromJson(body.metadata);
  const loaded: LoadedTable = {
    identifier,
    metadataLocation: body['metadata-location'] ?? '',
    metadata,
    config: body.config ?? {},
  };
  const credentials = parseVendedCredentials(body['storage-credentials'], body.config, metadata.location);
  if (credentials) loaded.credentials = credentials;
  return loaded;
}

/** Collects every page of a paged listing. */
export async function allPages<T>(list: (pageToken?: string) => Promise<Page<T>>): Promise<T[]> {
  const out: T[] = [];
  let token: string | undefined;
  do {
    const p = await list(token);
    out.push(...p.items);
    token = p.nextPageToken;
  } while (token);
  return out;
}
