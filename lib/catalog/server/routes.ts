/**
 * The embedded server's REST routes (rest-catalog-open-api.yaml, under `/v1/{prefix}`): namespaces,
 * tables, `updateTable`, `transactions/commit`, rename, credentials. Handlers take decoded
 * arguments and return `{ status, body }` or throw a ServerError; server.ts does the HTTP.
 */

import { stringifyJson } from '../../iceberg/json.js';
import { serializeTableMetadata } from '../../iceberg/metadata.js';
import { InvalidUpdateError, newTableMetadata, RequirementFailedError } from '../../iceberg/metadata-builder.js';
import type { PartitionSpec, Schema, SortOrder, TableChange, TableMetadata } from '../../iceberg/types.js';
import type { TableIdentifier } from '../catalog.js';
import type { StorageCredentialJson } from '../rest/credentials.js';
import type { FaultInjector } from './faults.js';
import { checkNamespace, checkTableName } from './names.js';
import { ServerError } from './server-error.js';
import { CatalogStore, type StoredTable } from './store.js';
import { checkFormatVersion, checkSchema, checkStringArray, checkStringMap, checkUpdates } from './validate.js';

/** Credentials the server vends: a static S3 config (e.g. for s3rver) or a function of the table location. */
export type VendOption =
  | { config: Record<string, string>; ttlMs?: number }
  | ((location: string) => StorageCredentialJson[]);

export interface RouteContext {
  store: CatalogStore;
  faults: FaultInjector;
  vend?: VendOption;
  pageSize: number;
}

export interface RouteRequest {
  method: string;
  /** Decoded path segments after `v1/{prefix}/`. */
  segments: string[];
  query: URLSearchParams;
  body: unknown;
  headers: Record<string, string | string[] | undefined>;
}

export type RouteResult =
  | {
      status: number;
      body?: unknown /** A pre-serialized JSON body (UTF-8 bytes when large). */;
      json?: string | Uint8Array;
    }
  | { drop: true };

type Handler = (ctx: RouteContext, req: RouteRequest, params: string[]) => Promise<RouteResult>;

const NS_SEP = '\u001f';

function ns(segment: string): string[] {
  return checkNamespace(segment.split(NS_SEP));
}

function tableId(nsSegment: string, name: string): TableIdentifier {
  return { namespace: ns(nsSegment), name: checkTableName(name) };
}

/** A table identifier from a request body, validated. */
function bodyTableId(value: unknown, what: string): TableIdentifier {
  const id = value as TableIdentifier | undefined;
  if (!id || typeof id !== 'object')
    throw new ServerError(400, 'BadRequestException', `${what} identifier is required`);
  return { namespace: checkNamespace(id.namespace), name: checkTableName(id.name) };
}

/**
 * One page of a list. Without `pageToken` everything comes in one response; with it (an empty
 * one starts), pages of `pageSize` and a `next-page-token` that is null on the last page
 * (spec: components/parameters/page-token).
 */
function page<T>(items: T[], req: RouteRequest, ctx: RouteContext): { items: T[]; next?: string | null } {
  const token = req.query.get('pageToken');
  if (token === null) return { items };
  const size = Number(req.query.get('pageSize') ?? ctx.pageSize);
  const start = Number(token || 0);
  if (!Number.isInteger(start) || start < 0 || !Number.isInteger(size) || size < 1) {
    throw new ServerError(400, 'BadRequestException', 'invalid pageToken or pageSize');
  }
  const slice = items.slice(start, start + size);
  return { items: slice, next: start + size < items.length ? String(start + size) : null };
}

function requireObject(body: unknown, what: string): Record<string, unknown> {
  if (!body || typeof body !== 'object' || Array.isArray(body))
    throw new ServerError(400, 'BadRequestException', `${what}: expected a JSON object`);
  return body as Record<string, unknown>;
}

async function parseChange(ctx: RouteContext, body: unknown, what: string): Promise<TableChange> {
  const o = requireObject(body, what);
  if (!Array.isArray(o.requirements ?? []) || !Array.isArray(o.updates)) {
    throw new ServerError(400, 'BadRequestException', `${what}: requirements and updates must be arrays`);
  }
  checkUpdates(o.updates);
  for (const u of o.updates as Array<Record<string, unknown>>) {
    if (u.action === 'set-location') {
      u.location = await ctx.store.confinement.tableLocation(u.location);
      await ctx.store.confinement.checkDirectory(u.location as string);
    }
  }
  return {
    requirements: (o.requirements ?? []) as TableChange['requirements'],
    updates: o.updates as TableChange['updates'],
  };
}

function vended(ctx: RouteContext, req: RouteRequest, location: string): StorageCredentialJson[] | undefined {
  const asked = String(req.headers['x-iceberg-access-delegation'] ?? '').includes('vended-credentials');
  if (!asked || !ctx.vend) return undefined;
  return vendFor(ctx.vend, location);
}

function vendFor(vend: VendOption, location: string): StorageCredentialJson[] {
  if (typeof vend === 'function') return vend(location);
  const expires = Date.now() + (vend.ttlMs ?? 3_600_000);
  return [{ prefix: location, config: { ...vend.config, 's3.session-token-expires-at-ms': String(expires) } }];
}

function loadResult(
  ctx: RouteContext,
  req: RouteRequest,
  table: { metadataLocation?: string; metadata: TableMetadata; bytes?: Uint8Array },
): RouteResult {
  const creds = vended(ctx, req, table.metadata.location);
  return {
    status: 200,
    json: withMetadata(
      {
        ...(table.metadataLocation ? { 'metadata-location': table.metadataLocation } : {}),
        config: {},
        ...(creds ? { 'storage-credentials': creds } : {}),
      },
      table,
    ),
  };
}

/**
 * A response body with the table metadata spliced in as the bytes of its metadata file: it grows
 * with the table's history, so it is serialized and encoded once per version, not per response.
 */
function withMetadata(
  fields: Record<string, unknown>,
  table: { metadata: TableMetadata; bytes?: Uint8Array },
): Uint8Array {
  const head = stringifyJson(fields);
  const metadata = table.bytes ?? Buffer.from(serializeTableMetadata(table.metadata, { space: 0 }));
  return Buffer.concat([
    Buffer.from(`${head.slice(0, -1)}${head.length > 2 ? ',' : ''}"metadata":`),
    metadata,
    Buffer.from('}'),
  ]);
}

/** Runs builder code, turning its errors (and malformed input) into REST errors. */
function asRestErrors<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof RequirementFailedError)
      throw new ServerError(409, 'CommitFailedException', error.message, { cause: error });
    if (
      error instanceof InvalidUpdateError ||
      error instanceof TypeError ||
      error instanceof SyntaxError ||
      error instanceof RangeError
    ) {
      throw new ServerError(400, 'BadRequestException', error.message, { cause: error });
    }
    throw error;
  }
}

/** An empty base for a staged create committed with `assert-create` (Java `buildFromEmpty`). */
function emptyMetadata(store: CatalogStore, id: TableIdentifier): TableMetadata {
  const uuid = crypto.randomUUID();
  return {
    'format-version': 1,
    'table-uuid': uuid,
    location: store.defaultLocation(id, uuid),
    'last-sequence-number': 0n,
    'last-updated-ms': Date.now(),
    'last-column-id': 0,
    schemas: [],
    'current-schema-id': -1,
    'partition-specs': [],
    'default-spec-id': -1,
    'last-partition-id': 999,
    properties: {},
    snapshots: [],
    'snapshot-log': [],
    'metadata-log': [],
    'sort-orders': [],
    'default-sort-order-id': -1,
    refs: {},
  };
}

function failureFor(status: number, message: string): ServerError {
  if (status === 429)
    return new ServerError(429, 'TooManyRequestsException', message, { headers: { 'retry-after': '1' } });
  const type =
    status === 409
      ? 'CommitFailedException'
      : status === 503
        ? 'ServiceUnavailableException'
        : 'CommitStateUnknownException';
  return new ServerError(status, type, message);
}

/**
 * Applies commits under the tables' locks, honouring the fault queue. Every change is checked
 * and built before any metadata is written, so a transaction is all or nothing.
 */
async function commit(
  ctx: RouteContext,
  changes: Array<{ id: TableIdentifier; change: TableChange }>,
): Promise<RouteResult | StoredTable[]> {
  if (changes.length > 1 && ctx.store.confinement.remote)
    throw new ServerError(
      400,
      'BadRequestException',
      'multi-table transactions are not supported on an S3 warehouse (their pointers cannot be swapped atomically); commit each table on its own',
    );
  const fault = ctx.faults.nextCommitFault();
  if (fault?.kind === 'status') throw failureFor(fault.status, `injected failure: ${fault.status}`);
  if (fault?.kind === 'drop') return { drop: true };
  // A create also holds its namespace, so a racing namespace drop waits (or makes it 404).
  const keys = changes.flatMap((c) =>
    c.change.requirements.some((r) => r.type === 'assert-create')
      ? [CatalogStore.key(c.id), CatalogStore.namespaceKey(c.id.namespace)]
      : [CatalogStore.key(c.id)],
  );
  const written = await ctx.store.locks.run(keys, async () => {
    const prepared: Array<{ id: TableIdentifier; next: TableMetadata; current?: StoredTable }> = [];
    for (const { id, change } of changes) {
      const current = await ctx.store.table(id);
      const creating = change.requirements.some((r) => r.type === 'assert-create');
      if (!current && !creating)
        throw new ServerError(
          404,
          'NoSuchTableException',
          `Table does not exist: ${[...id.namespace, id.name].join('.')}`,
        );
      if (!current) await ctx.store.requireNamespace(id.namespace);
      const next = asRestErrors(() => ctx.store.prepareCommit(current, change, () => emptyMetadata(ctx.store, id)));
      prepared.push({ id, next, current });
    }
    return ctx.store.writeVersions(prepared.map((p) => ({ id: p.id, metadata: p.next, previous: p.current })));
  });
  ctx.faults.commitsApplied += 1;
  if (fault?.kind === 'apply-then-status')
    throw failureFor(fault.status, `injected failure after apply: ${fault.status}`);
  if (fault?.kind === 'apply-then-drop') return { drop: true };
  return written;
}

const handlers: Array<{ method: string; pattern: string[]; handler: Handler }> = [];

function route(method: string, path: string, handler: Handler): void {
  handlers.push({ method, pattern: path.split('/'), handler });
}

route('GET', 'namespaces', async (ctx, req) => {
  const parent = req.query.get('parent');
  const parentLevels = parent ? parent.split(NS_SEP) : [];
  if (parent) await ctx.store.requireNamespace(parentLevels);
  const all = (await ctx.store.allNamespaces()).filter(
    (n) => n.length === parentLevels.length + 1 && parentLevels.every((p, i) => n[i] === p),
  );
  const p = page(all, req, ctx);
  return {
    status: 200,
    body: { namespaces: p.items, ...(p.next !== undefined ? { 'next-page-token': p.next } : {}) },
  };
});

route('POST', 'namespaces', async (ctx, req) => {
  const body = requireObject(req.body, 'CreateNamespaceRequest');
  const namespace = checkNamespace(body.namespace);
  const properties = checkStringMap(body.properties, 'properties');
  await ctx.store.createNamespace(namespace, properties);
  return { status: 200, body: { namespace, properties } };
});

route('GET', 'namespaces/:ns', async (ctx, _req, [n]) => {
  const namespace = ns(n as string);
  return { status: 200, body: { namespace, properties: await ctx.store.requireNamespace(namespace) } };
});

route('HEAD', 'namespaces/:ns', async (ctx, _req, [n]) => {
  await ctx.store.requireNamespace(ns(n as string));
  return { status: 204 };
});

route('DELETE', 'namespaces/:ns', async (ctx, _req, [n]) => {
  await ctx.store.dropNamespace(ns(n as string));
  return { status: 204 };
});

route('POST', 'namespaces/:ns/properties', async (ctx, req, [n]) => {
  const namespace = ns(n as string);
  const body = requireObject(req.body, 'UpdateNamespacePropertiesRequest');
  const updates = checkStringMap(body.updates, 'updates');
  const removals = checkStringArray(body.removals, 'removals');
  const overlap = removals.filter((k) => k in updates);
  if (overlap.length > 0)
    throw new ServerError(422, 'UnprocessableEntityException', `keys both updated and removed: ${overlap.join(', ')}`);
  const removed: string[] = [];
  const missing: string[] = [];
  await ctx.store.updateNamespaceProperties(namespace, (props) => {
    for (const key of removals) {
      if (key in props) {
        delete props[key];
        removed.push(key);
      } else missing.push(key);
    }
    return Object.assign(props, updates);
  });
  return { status: 200, body: { updated: Object.keys(updates), removed, missing } };
});

route('GET', 'namespaces/:ns/tables', async (ctx, req, [n]) => {
  const namespace = ns(n as string);
  await ctx.store.requireNamespace(namespace);
  const p = page(await ctx.store.tableNames(namespace), req, ctx);
  return {
    status: 200,
    body: {
      identifiers: p.items.map((name) => ({ namespace, name })),
      ...(p.next !== undefined ? { 'next-page-token': p.next } : {}),
    },
  };
});

route('POST', 'namespaces/:ns/tables', async (ctx, req, [n]) => {
  const namespace = ns(n as string);
  const body = requireObject(req.body, 'CreateTableRequest');
  const name = checkTableName(body.name);
  checkSchema(body.schema);
  const id = { namespace, name };
  const properties = { ...checkStringMap(body.properties, 'properties') };
  // `format-version` is a reserved property: it selects the version and is not stored (Java TableProperties).
  const formatVersion = checkFormatVersion(properties['format-version'] ?? 2);
  delete properties['format-version'];
  const tableUuid = crypto.randomUUID();
  const location =
    body.location === undefined || body.location === null
      ? ctx.store.defaultLocation(id, tableUuid)
      : await ctx.store.confinement.tableLocation(body.location);
  await ctx.store.confinement.checkDirectory(location);
  return ctx.store.locks.run([CatalogStore.key(id), CatalogStore.namespaceKey(namespace)], async () => {
    await ctx.store.requireNamespace(namespace);
    if (await ctx.store.table(id))
      throw new ServerError(409, 'AlreadyExistsException', `Table already exists: ${[...namespace, name].join('.')}`);
    const metadata = asRestErrors(() =>
      newTableMetadata({
        schema: body.schema as Schema,
        spec: body['partition-spec'] as PartitionSpec | undefined,
        sortOrder: body['write-order'] as SortOrder | undefined,
        location,
        properties,
        formatVersion,
        tableUuid,
      }),
    );
    if (body['stage-create'] === true) return loadResult(ctx, req, { metadata });
    const stored = await ctx.store.writeVersion(id, metadata);
    return loadResult(ctx, req, stored);
  });
});

route('GET', 'namespaces/:ns/tables/:table', async (ctx, req, [n, t]) => {
  const stored = await ctx.store.requireTable(tableId(n as string, t as string));
  const mode = req.query.get('snapshots') ?? 'all';
  if (mode !== 'all' && mode !== 'refs')
    throw new ServerError(400, 'BadRequestException', 'snapshots must be "all" or "refs"');
  if (mode === 'all') return loadResult(ctx, req, stored);
  // `refs`: only snapshots a branch or tag points at (Java `SnapshotMode.REFS`).
  const referenced = new Set(Object.values(stored.metadata.refs ?? {}).map((r) => BigInt(r['snapshot-id'])));
  const snapshots = stored.metadata.snapshots.filter((s) => referenced.has(BigInt(s['snapshot-id'])));
  return loadResult(ctx, req, {
    metadataLocation: stored.metadataLocation,
    metadata: { ...stored.metadata, snapshots },
  });
});

route('HEAD', 'namespaces/:ns/tables/:table', async (ctx, _req, [n, t]) => {
  await ctx.store.requireTable(tableId(n as string, t as string));
  return { status: 204 };
});

route('DELETE', 'namespaces/:ns/tables/:table', async (ctx, req, [n, t]) => {
  const id = tableId(n as string, t as string);
  await ctx.store.locks.run([CatalogStore.key(id)], () =>
    ctx.store.dropTable(id, req.query.get('purgeRequested') === 'true'),
  );
  return { status: 204 };
});

route('POST', 'namespaces/:ns/tables/:table', async (ctx, req, [n, t]) => {
  const id = tableId(n as string, t as string);
  const result = await commit(ctx, [{ id, change: await parseChange(ctx, req.body, 'CommitTableRequest') }]);
  if ('drop' in result) return result;
  const stored = (result as StoredTable[])[0] as StoredTable;
  return { status: 200, json: withMetadata({ 'metadata-location': stored.metadataLocation }, stored) };
});

route('GET', 'namespaces/:ns/tables/:table/credentials', async (ctx, _req, [n, t]) => {
  const stored = await ctx.store.requireTable(tableId(n as string, t as string));
  return { status: 200, body: { 'storage-credentials': ctx.vend ? vendFor(ctx.vend, stored.metadata.location) : [] } };
});

route('POST', 'namespaces/:ns/tables/:table/metrics', async (ctx, _req, [n, t]) => {
  // Engines report scan/commit metrics here; the embedded catalog accepts and discards them.
  await ctx.store.requireTable(tableId(n as string, t as string));
  return { status: 204 };
});

route('POST', 'tables/rename', async (ctx, req) => {
  const body = requireObject(req.body, 'RenameTableRequest');
  const source = bodyTableId(body.source, 'source');
  const destination = bodyTableId(body.destination, 'destination');
  await ctx.store.renameTable(source, destination);
  return { status: 204 };
});

route('POST', 'transactions/commit', async (ctx, req) => {
  const body = requireObject(req.body, 'CommitTransactionRequest');
  const changes = body['table-changes'];
  if (!Array.isArray(changes) || changes.length === 0)
    throw new ServerError(400, 'BadRequestException', 'table-changes must be a non-empty array');
  const parsed: Array<{ id: TableIdentifier; change: TableChange }> = [];
  for (const c of changes) {
    const o = requireObject(c, 'CommitTableRequest');
    parsed.push({
      id: bodyTableId(o.identifier, 'each table change'),
      change: await parseChange(ctx, o, 'CommitTableRequest'),
    });
  }
  const keys = parsed.map((p) => CatalogStore.key(p.id));
  if (new Set(keys).size !== keys.length)
    throw new ServerError(400, 'BadRequestException', 'a table appears twice in table-changes');
  const result = await commit(ctx, parsed);
  if ('drop' in result) return result;
  return { status: 204 };
});

/** The `endpoints` list advertised by /v1/config (spec notation). */
export const SERVER_ENDPOINTS: readonly string[] = handlers.map(
  (h) =>
    `${h.method} /v1/{prefix}/${h.pattern.map((p) => (p === ':ns' ? '{namespace}' : p === ':table' ? '{table}' : p)).join('/')}`,
);

/** Finds the handler for a method and decoded path; 404/405 as ServerErrors. */
export function dispatch(ctx: RouteContext, req: RouteRequest): Promise<RouteResult> {
  let pathMatched = false;
  for (const { method, pattern, handler } of handlers) {
    if (pattern.length !== req.segments.length) continue;
    const params: string[] = [];
    const ok = pattern.every((p, i) => {
      if (p.startsWith(':')) {
        params.push(req.segments[i] as string);
        return (req.segments[i] as string).length > 0;
      }
      return p === req.segments[i];
    });
    if (!ok) continue;
    pathMatched = true;
    if (method === req.method) return handler(ctx, req, params);
  }
  if (pathMatched) throw new ServerError(405, 'MethodNotAllowedException', `${req.method} is not allowed here`);
  throw new ServerError(404, 'NotFoundException', `no route for ${req.method} /${req.segments.join('/')}`);
}
