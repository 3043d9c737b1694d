/**
 * floe's embedded Iceberg REST catalog server (node:http): the catalog `npm start` and the tests
 * commit through, so the client is always exercised over real HTTP. State lives in the warehouse
 * (store.ts); an OAuth2 token endpoint issues short-lived tokens for local use.
 *
 * @example
 * const server = await startCatalogServer({ warehouse: '/tmp/wh', io: new LocalFileIO() });
 * const catalog = new RestCatalog({ uri: server.url });
 * server.faults.applyThenFail(); // the next commit is applied, then answered 500
 * await server.close();
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FileIO } from '../../iceberg/file-io.js';
import type { S3Client } from '@aws-sdk/client-s3';
import { parseJson, stringifyJson } from '../../iceberg/json.js';
import { toLocalPath } from '../../storage/local.js';
import { TOKEN_EXCHANGE_GRANT } from '../rest/auth.js';
import { Confinement } from './confinement.js';
import { FaultInjector } from './faults.js';
import { dispatch, type RouteContext, SERVER_ENDPOINTS, type VendOption } from './routes.js';
import { ServerError } from './server-error.js';
import { fileIOStateFiles, localStateFiles, s3StateFiles } from './state-files.js';
import { CatalogStore } from './store.js';
import { checkDeadline, DEFAULT_REQUEST_TIMEOUT_MS, RequestDeadlineError, withDeadline } from './request-deadline.js';
import { checkJsonDepth } from './validate.js';
import { lockWarehouse, type WarehouseLock } from './warehouse-lock.js';

/** Default cap of a request body (bytes); larger bodies get 413. */
export const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024;

/** The server was configured unsafely (e.g. token auth without an allow-list). */
export class CatalogServerConfigError extends Error {
  override name = 'CatalogServerConfigError';
}

export type { VendOption } from './routes.js';
export { lockWarehouse, WarehouseLockedError } from './warehouse-lock.js';
export { DEFAULT_REQUEST_TIMEOUT_MS } from './request-deadline.js';

export interface CatalogServerOptions {
  /** Warehouse root: a local directory or `s3://bucket/prefix`. */
  warehouse: string;
  io: FileIO;
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** `token`: every catalog route needs a bearer token from the token endpoint (default `none`). */
  auth?: 'none' | 'token';
  /** Lifetime of issued tokens (default 3600 s). */
  tokenTtlSeconds?: number;
  /** Subject tokens (PATs) the token exchange accepts; any non-empty one when omitted. */
  acceptedSubjectTokens?: string[];
  /** client_id → client_secret for the client-credentials grant; any when omitted. */
  clients?: Record<string, string>;
  /** Bearer tokens accepted as they are (like Dremio accepting a PAT directly). */
  staticTokens?: string[];
  /** Vend these credentials on load/create/credentials (the warehouse is S3, e.g. s3rver). */
  vend?: VendOption;
  /** Advertise `idempotency-key-lifetime` (ISO-8601 duration, e.g. `PT30M`) and honour `Idempotency-Key`. */
  idempotencyKeyLifetime?: string;
  /** Optional `prefix` (paths become `/v1/{prefix}/…`). */
  prefix?: string;
  /** Default page size of list routes when a client pages (default 100). */
  pageSize?: number;
  /** Largest request body in bytes (default 16 MiB); a larger one gets 413 before it is read. */
  maxBodyBytes?: number;
  /**
   * Deadline of one request in ms (default 30 000): past it the request is answered 503 and
   * its remaining work abandoned (no state change after the answer; request-deadline.ts).
   */
  requestTimeoutMs?: number;
  /**
   * Host names accepted in the `Host` header (DNS-rebinding defence). Default: on a loopback
   * bind, `127.0.0.1`, `localhost`, `::1` and the bound host; on another bind, any.
   */
  allowedHosts?: string[];
  /** An S3 client for an `s3://` warehouse: pointers are swapped with conditional writes (If-Match). */
  s3Client?: S3Client;
  /** Receives the detail of internal errors (the client only gets a generic 500). Default: stderr. */
  logError?: (error: unknown) => void;
  /** Answers requests outside `/v1` (the `floe dev` status page); false falls through to 404. */
  pages?: (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;
}

export interface CatalogServer {
  url: string;
  /** The token endpoint for OAuth2 clients. */
  tokenUrl: string;
  faults: FaultInjector;
  store: CatalogStore;
  /**
   * Stops serving and releases the warehouse lock. Running requests get up to 1.5 s to finish
   * their writes; a request stuck in a file system call is left behind (see `inFlight`).
   */
  close(): Promise<void>;
  /** Requests still running (after `close()`: those stuck in a file system call). */
  readonly inFlight: number;
}

/** Starts the embedded REST catalog server. */
export async function startCatalogServer(options: CatalogServerOptions): Promise<CatalogServer> {
  if (
    options.auth === 'token' &&
    !options.acceptedSubjectTokens?.length &&
    !Object.keys(options.clients ?? {}).length &&
    !options.staticTokens?.length
  ) {
    throw new CatalogServerConfigError(
      'auth "token" needs an allow-list: acceptedSubjectTokens, clients or staticTokens (floe catalog serve: FLOE_CATALOG_SECRET or --secret-file)',
    );
  }
  const confinement = new Confinement(options.warehouse);
  let lock: WarehouseLock | undefined;
  if (!confinement.remote) {
    await mkdir(toLocalPath(options.warehouse), { recursive: true });
    lock = await lockWarehouse(toLocalPath(options.warehouse));
  }
  const files = !confinement.remote
    ? localStateFiles()
    : options.s3Client
      ? s3StateFiles(options.s3Client)
      : fileIOStateFiles(options.io);
  const store = new CatalogStore(options.warehouse, options.io, files, confinement);
  try {
    await store.recover();
  } catch (error) {
    await lock?.release();
    throw error;
  }
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  if (!(requestTimeoutMs > 0)) throw new CatalogServerConfigError('requestTimeoutMs must be a positive number');
  const logError = options.logError ?? ((error: unknown) => console.error('floe catalog: internal error:', error));
  const faults = new FaultInjector();
  const ctx: RouteContext = { store, faults, vend: options.vend, pageSize: options.pageSize ?? 100 };
  const tokens = new Map<string, { expiresAt: number; epoch: number }>();
  const idempotent = new Map<
    string,
    { expiresAt: number; status: number; body?: unknown; json?: string | Uint8Array }
  >();
  const idempotencyMs = options.idempotencyKeyLifetime ? isoDurationMs(options.idempotencyKeyLifetime) : 0;
  const ttl = options.tokenTtlSeconds ?? 3600;

  let allowedHosts: Set<string> | undefined;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    // A web page that rebinds a DNS name to 127.0.0.1 still sends its own name as Host.
    if (allowedHosts && !allowedHosts.has(hostName(req.headers.host)))
      throw new ServerError(403, 'ForbiddenException', 'Host header not allowed');
    if (options.pages && !(req.url ?? '/').startsWith('/v1/') && (await options.pages(req, res))) return;
    const url = new URL(req.url ?? '/', 'http://localhost');
    const parts = url.pathname.split('/').slice(1);
    if (parts.at(-1) === '') parts.pop();
    const segments = parts.map(decode);
    const method = req.method ?? 'GET';

    if (segments[0] !== 'v1') throw new ServerError(404, 'NotFoundException', 'no such route');
    if (method === 'POST' && segments.join('/') === 'v1/oauth/tokens') {
      if (!isContentType(req, 'application/x-www-form-urlencoded'))
        return send(res, {
          status: 415,
          body: { error: 'invalid_request', error_description: 'expected application/x-www-form-urlencoded' },
        });
      return send(res, issueToken(await readBody(req, maxBody)));
    }
    // Authenticate before reading a byte of the body.
    if (options.auth === 'token') authorize(req.headers.authorization);
    const raw = await readBody(req, maxBody);
    if (raw.length > 0 && !isContentType(req, 'application/json'))
      throw new ServerError(415, 'UnsupportedMediaTypeException', 'request bodies must be application/json');
    if (faults.latencyMs > 0) {
      await new Promise((r) => setTimeout(r, faults.latencyMs));
      checkDeadline();
    }
    if (method === 'GET' && segments.length === 2 && segments[1] === 'config') {
      return send(res, {
        status: 200,
        body: {
          defaults: {},
          overrides: options.prefix ? { prefix: options.prefix } : {},
          endpoints: SERVER_ENDPOINTS,
          ...(options.idempotencyKeyLifetime ? { 'idempotency-key-lifetime': options.idempotencyKeyLifetime } : {}),
        },
      });
    }
    let rest = segments.slice(1);
    if (options.prefix) {
      if (rest[0] !== options.prefix) throw new ServerError(404, 'NotFoundException', 'unknown prefix');
      rest = rest.slice(1);
    }
    const key =
      idempotencyMs > 0 && method !== 'GET' && method !== 'HEAD'
        ? headerValue(req.headers['idempotency-key'])
        : undefined;
    const now = Date.now();
    if (key) {
      const seen = idempotent.get(key);
      if (seen && seen.expiresAt > now) return send(res, seen);
    }
    let result: Awaited<ReturnType<typeof dispatch>>;
    try {
      const body = raw.length > 0 ? parseBody(raw) : undefined;
      result = await dispatch(ctx, { method, segments: rest, query: url.searchParams, body, headers: req.headers });
    } catch (error) {
      // Deterministic 4xx answers (409 AlreadyExists, 400, 404) are final and replayed; 5xx are
      // not, so a retry runs again (spec: components/parameters/idempotency-key).
      if (key && error instanceof ServerError && error.status >= 400 && error.status < 500) {
        idempotent.set(key, { expiresAt: now + idempotencyMs, status: error.status, body: error.toJson() });
      }
      throw error;
    }
    if ('drop' in result) {
      req.socket.destroy();
      return;
    }
    if (key)
      idempotent.set(key, {
        expiresAt: now + idempotencyMs,
        status: result.status,
        body: result.body,
        json: result.json,
      });
    send(res, result);
  };

  function authorize(header: string | undefined): void {
    const token = header?.startsWith('Bearer ') ? header.slice('Bearer '.length) : undefined;
    if (token && oneOf(options.staticTokens, token)) return;
    const issued = token ? tokens.get(token) : undefined;
    if (!issued || issued.expiresAt <= Date.now() || issued.epoch !== faults.epoch) {
      throw new ServerError(
        401,
        'NotAuthorizedException',
        issued ? 'Token expired or revoked' : 'Missing or unknown bearer token',
      );
    }
  }

  function issueToken(raw: string): { status: number; body: unknown } {
    const form = new URLSearchParams(raw);
    const grant = form.get('grant_type');
    const oauthError = (status: number, error: string, description: string) => ({
      status,
      body: { error, error_description: description },
    });
    if (grant === TOKEN_EXCHANGE_GRANT) {
      const subject = form.get('subject_token');
      if (!subject || !form.get('subject_token_type'))
        return oauthError(400, 'invalid_request', 'subject_token and subject_token_type are required');
      if (!oneOf(options.acceptedSubjectTokens, subject)) {
        return oauthError(400, 'invalid_grant', 'the subject token is not valid');
      }
    } else if (grant === 'client_credentials') {
      const id = form.get('client_id');
      const secret = form.get('client_secret');
      const expected = id && options.clients && Object.hasOwn(options.clients, id) ? options.clients[id] : undefined;
      if (!id || !secret || expected === undefined || !sameSecret(expected, secret))
        return oauthError(401, 'invalid_client', 'unknown client or wrong secret');
    } else {
      return oauthError(400, 'unsupported_grant_type', `grant_type ${grant ?? '(none)'} is not supported`);
    }
    const token = randomBytes(24).toString('base64url');
    tokens.set(token, { expiresAt: Date.now() + ttl * 1000, epoch: faults.epoch });
    return {
      status: 200,
      body: {
        access_token: token,
        token_type: 'bearer',
        expires_in: ttl,
        issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      },
    };
  }

  // Requests still running (a client may have given up, or the deadline answered): close() waits for their writes.
  const running = new Set<Promise<void>>();
  const server = createServer((req, res) => {
    const { answer, work } = withDeadline(requestTimeoutMs, () => handle(req, res));
    let handled: unknown;
    const answered = answer.catch((error: unknown) => {
      handled = error;
      if (res.headersSent || req.socket?.destroyed !== false) return;
      // Internal errors stay in the server's log: their messages can name server paths.
      if (!(error instanceof ServerError)) logError(error);
      const serverError =
        error instanceof ServerError
          ? error
          : new ServerError(500, 'InternalServerError', 'internal server error (see the catalog server log)');
      const headers: Record<string, string> = { ...serverError.headers };
      if (serverError.status === 401)
        headers['www-authenticate'] = 'Bearer realm="floe-catalog", error="invalid_token"';
      // A refused body is not read: close the connection instead of draining it.
      if (serverError.status === 413 || serverError.status === 401 || error instanceof RequestDeadlineError)
        headers.connection = 'close';
      send(res, { status: serverError.status, body: serverError.toJson(), headers });
    });
    // Work that fails after the deadline answered: its own failure goes to the log only.
    const late = work.then(
      () => undefined,
      (error: unknown) => error,
    );
    const settled = Promise.all([answered, late]).then(([, error]) => {
      if (error !== undefined && error !== handled && !(error instanceof ServerError)) logError(error);
    });
    running.add(settled);
    void settled.finally(() => running.delete(settled));
  });
  server.keepAliveTimeout = 5_000;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
    });
  } catch (error) {
    await lock?.release();
    throw error;
  }
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const boundHost = options.host ?? '127.0.0.1';
  if (options.allowedHosts) allowedHosts = new Set(options.allowedHosts.map((h) => h.toLowerCase()));
  else if (isLoopback(address.address))
    allowedHosts = new Set(['127.0.0.1', 'localhost', '::1', boundHost.toLowerCase(), address.address]);
  const url = `http://${host}:${address.port}`;
  return {
    url,
    tokenUrl: `${url}/v1/oauth/tokens`,
    faults,
    store,
    close: async () => {
      await new Promise<void>((resolve, reject) => {
        if (!server.listening) return resolve();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
      // Running requests finish their writes first, but a stuck one cannot hold up a shutdown.
      await Promise.race([Promise.allSettled([...running]), new Promise((r) => setTimeout(r, 1_500).unref())]);
      await lock?.release();
    },
    get inFlight() {
      return running.size;
    },
  };
}

function send(
  res: ServerResponse,
  result: { status: number; body?: unknown; json?: string | Uint8Array; headers?: Record<string, string> },
): void {
  if ((result.body === undefined && result.json === undefined) || result.status === 204) {
    res.writeHead(result.status, result.headers).end();
    return;
  }
  const text = result.json ?? stringifyJson(result.body);
  const length = typeof text === 'string' ? Buffer.byteLength(text) : text.byteLength;
  res
    .writeHead(result.status, { ...result.headers, 'content-type': 'application/json', 'content-length': length })
    .end(text);
}

/** Whether a secret equals one of `allowed`, in time independent of where they differ. */
function oneOf(allowed: readonly string[] | undefined, candidate: string): boolean {
  let found = false;
  for (const secret of allowed ?? []) found = sameSecret(secret, candidate) || found;
  return found;
}

/** Constant-time comparison (of SHA-256 digests, so lengths do not leak either). */
function sameSecret(a: string, b: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(a), digest(b));
}

function isContentType(req: IncomingMessage, type: string): boolean {
  const value = headerValue(req.headers['content-type'])?.split(';')[0]?.trim().toLowerCase();
  return value === type;
}

/** The host name of a `Host` header, lower-cased, without port or IPv6 brackets. */
function hostName(header: string | undefined): string {
  if (!header) return '';
  const h = header.toLowerCase();
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']'));
  const colon = h.lastIndexOf(':');
  return colon === -1 ? h : h.slice(0, colon);
}

function isLoopback(address: string): boolean {
  return address === '::1' || address.startsWith('127.') || address === '::ffff:127.0.0.1';
}

function parseBody(raw: string): unknown {
  checkJsonDepth(raw);
  try {
    return parseJson(raw);
  } catch (error) {
    throw new ServerError(400, 'BadRequestException', `malformed JSON body: ${(error as Error).message}`);
  }
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new ServerError(400, 'BadRequestException', `malformed path segment: ${segment}`);
  }
}

/** Reads the body, refusing (413) one longer than `max` bytes without reading the rest. */
function readBody(req: IncomingMessage, max: number): Promise<string> {
  const tooLarge = () =>
    new ServerError(413, 'RequestEntityTooLargeException', `request body larger than ${max} bytes`);
  if (Number(req.headers['content-length'] ?? 0) > max) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size <= max) return void chunks.push(chunk);
      // Stop reading; the answer closes the connection (the socket stays usable for the 413).
      req.off('data', onData);
      req.pause();
      reject(tooLarge());
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.once('error', reject);
  });
}

/** Milliseconds of a simple ISO-8601 duration (`PT30M`, `PT1H`, `P1D`). */
function isoDurationMs(duration: string): number {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(duration);
  if (!m) throw new Error(`invalid ISO-8601 duration: ${duration}`);
  return ((Number(m[1] ?? 0) * 24 + Number(m[2] ?? 0)) * 60 + Number(m[3] ?? 0)) * 60_000 + Number(m[4] ?? 0) * 1000;
}
