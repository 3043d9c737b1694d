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
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseJson, stringifyJson } from '../../iceberg/json.js';
import type { FileIO } from '../../storage/file-io.js';
import { TOKEN_EXCHANGE_GRANT } from '../rest/auth.js';
import { FaultInjector } from './faults.js';
import { dispatch, type RouteContext, SERVER_ENDPOINTS, type VendOption } from './routes.js';
import { ServerError } from './server-error.js';
import { CatalogStore } from './store.js';

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
  /** Default page size of list routes (default 100). */
  pageSize?: number;
  /** Answers requests outside `/v1` (the `floe dev` status page); false falls through to 404. */
  pages?: (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;
}

export interface CatalogServer {
  url: string;
  /** The token endpoint for OAuth2 clients. */
  tokenUrl: string;
  faults: FaultInjector;
  store: CatalogStore;
  close(): Promise<void>;
}

/** Starts the embedded REST catalog server. */
export async function startCatalogServer(options: CatalogServerOptions): Promise<CatalogServer> {
  const store = new CatalogStore(options.warehouse, options.io);
  const faults = new FaultInjector();
  const ctx: RouteContext = { store, faults, vend: options.vend, pageSize: options.pageSize ?? 100 };
  const tokens = new Map<string, { expiresAt: number; epoch: number }>();
  const idempotent = new Map<
    string,
    { expiresAt: number; status: number; body?: unknown; json?: string | Uint8Array }
  >();
  const idempotencyMs = options.idempotencyKeyLifetime ? isoDurationMs(options.idempotencyKeyLifetime) : 0;
  const ttl = options.tokenTtlSeconds ?? 3600;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (options.pages && !(req.url ?? '/').startsWith('/v1/') && (await options.pages(req, res))) return;
    const raw = await readBody(req);
    if (faults.latencyMs > 0) await new Promise((r) => setTimeout(r, faults.latencyMs));
    const url = new URL(req.url ?? '/', 'http://localhost');
    const parts = url.pathname.split('/').slice(1);
    if (parts.at(-1) === '') parts.pop();
    const segments = parts.map(decode);
    const method = req.method ?? 'GET';

    if (segments[0] !== 'v1') throw new ServerError(404, 'NotFoundException', `no route for ${url.pathname}`);
    if (method === 'POST' && segments.join('/') === 'v1/oauth/tokens') {
      return send(res, issueToken(raw));
    }
    if (options.auth === 'token') authorize(req.headers.authorization);
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
      if (rest[0] !== options.prefix)
        throw new ServerError(404, 'NotFoundException', `unknown prefix in ${url.pathname}`);
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
    if (token && options.staticTokens?.includes(token)) return;
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
      if (options.acceptedSubjectTokens && !options.acceptedSubjectTokens.includes(subject)) {
        return oauthError(400, 'invalid_grant', 'the subject token is not valid');
      }
    } else if (grant === 'client_credentials') {
      const id = form.get('client_id');
      const secret = form.get('client_secret');
      if (!id || !secret || (options.clients && options.clients[id] !== secret))
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

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent || req.socket.destroyed) return;
      const serverError =
        error instanceof ServerError
          ? error
          : new ServerError(500, 'InternalServerError', error instanceof Error ? error.message : String(error));
      send(res, { status: serverError.status, body: serverError.toJson() });
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  return {
    url,
    tokenUrl: `${url}/v1/oauth/tokens`,
    faults,
    store,
    close: () =>
      new Promise<void>((resolve, reject) => {
        if (!server.listening) return resolve();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function send(res: ServerResponse, result: { status: number; body?: unknown; json?: string | Uint8Array }): void {
  if ((result.body === undefined && result.json === undefined) || result.status === 204) {
    res.writeHead(result.status).end();
    return;
  }
  const text = result.json ?? stringifyJson(result.body);
  const length = typeof text === 'string' ? Buffer.byteLength(text) : text.byteLength;
  res.writeHead(result.status, { 'content-type': 'application/json', 'content-length': length }).end(text);
}

function parseBody(raw: string): unknown {
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

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Milliseconds of a simple ISO-8601 duration (`PT30M`, `PT1H`, `P1D`). */
function isoDurationMs(duration: string): number {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(duration);
  if (!m) throw new Error(`invalid ISO-8601 duration: ${duration}`);
  return ((Number(m[1] ?? 0) * 24 + Number(m[2] ?? 0)) * 60 + Number(m[3] ?? 0)) * 60_000 + Number(m[4] ?? 0) * 1000;
}
