/**
 * Authentication for the REST catalog: a static bearer token, or OAuth2 tokens from an external
 * token endpoint, either by token exchange (RFC 8693; Dremio Cloud swaps a personal access token
 * for a short-lived access token) or by client credentials (RFC 6749 §4.4; Polaris' default).
 *
 * Tokens are cached and refreshed ahead of `expires_in` with a safety window; concurrent callers
 * share one refresh; after a 401 the HTTP layer calls `invalidate` and retries once. Secrets come
 * from provider functions so a Lambda can re-read Secrets Manager after a rotation. Every secret
 * and token is registered with `redact`, so none reaches an error message or a log line.
 *
 * @example
 * const auth = tokenExchangeAuth({ subjectToken: () => secrets.pat() }); // Dremio Cloud defaults
 * await auth.authorization(); // 'Bearer eyJ…'
 */
import { parseJson } from '../../iceberg/json.js';
import { NotAuthorizedError, redact, registerSecret, ServiceUnavailableError, ThrottledError } from '../errors.js';
import {
  DEFAULT_HTTP_RETRY,
  type HttpRetryPolicy,
  RETRYABLE_STATUSES,
  retryAfterMs,
  retryDelayMs,
  sleep,
} from './retry.js';

/** Supplies the `Authorization` header value for catalog requests. */
export interface AuthProvider {
  /** The header value, e.g. `Bearer …`; fetches or refreshes a token when needed. */
  authorization(): Promise<string | undefined>;
  /** Forgets `header` after the server answered 401 with it, so the next call gets a new token. */
  invalidate(header: string | undefined): void;
}

/** A secret, or a function that returns the current secret (re-read after a rotation). */
export type SecretSource = string | (() => Promise<string>);

/** Dremio Cloud defaults (docs.dremio.com: "Iceberg REST catalog for external engines"). */
export const DREMIO_CLOUD = {
  tokenEndpoint: 'https://login.dremio.cloud/oauth/token',
  catalogUri: 'https://catalog.dremio.cloud/api/iceberg',
  subjectTokenType: 'urn:ietf:params:oauth:token-type:dremio:personal-access-token',
  clientId: 'dremio',
  scope: 'dremio.all',
} as const;

export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';

async function resolveSecret(source: SecretSource): Promise<string> {
  const value = typeof source === 'string' ? source : await source();
  registerSecret(value);
  return value;
}

/** A fixed bearer token (e.g. a Dremio PAT used directly). The provider is re-read after a 401. */
export function bearerAuth(token: SecretSource): AuthProvider {
  let cached: string | undefined;
  return {
    async authorization() {
      cached ??= `Bearer ${await resolveSecret(token)}`;
      return cached;
    },
    invalidate(header) {
      if (header === cached) cached = undefined;
    },
  };
}

interface OAuth2CommonOptions {
  tokenEndpoint: string;
  clientId?: string;
  scope?: string;
  /** Refresh this long before expiry (default 60 s, at most half the token's lifetime). */
  refreshWindowMs?: number;
  /** Lifetime assumed when the endpoint sends no `expires_in` (default 3600 s). */
  defaultExpiresInSeconds?: number;
  timeoutMs?: number;
  fetch?: typeof fetch;
  now?: () => number;
  /** Retries on 429/502/503/504 and connection errors (default 5, from 250 ms, honouring Retry-After). */
  retry?: Partial<HttpRetryPolicy>;
}

export interface TokenExchangeOptions extends Partial<OAuth2CommonOptions> {
  /** The subject token, e.g. the PAT from Secrets Manager. */
  subjectToken: SecretSource;
  subjectTokenType?: string;
}

export interface ClientCredentialsOptions extends OAuth2CommonOptions {
  clientId: string;
  clientSecret: SecretSource;
}

/** OAuth2 token exchange (RFC 8693) with Dremio Cloud's defaults. */
export function tokenExchangeAuth(options: TokenExchangeOptions): OAuth2Auth {
  return new OAuth2Auth(
    {
      tokenEndpoint: options.tokenEndpoint ?? DREMIO_CLOUD.tokenEndpoint,
      clientId: options.clientId ?? DREMIO_CLOUD.clientId,
      scope: options.scope ?? DREMIO_CLOUD.scope,
      ...pickCommon(options),
    },
    async () => ({
      grant_type: TOKEN_EXCHANGE_GRANT,
      subject_token: await resolveSecret(options.subjectToken),
      subject_token_type: options.subjectTokenType ?? DREMIO_CLOUD.subjectTokenType,
    }),
  );
}

/** OAuth2 client credentials (RFC 6749 §4.4), as Polaris issues tokens to a principal. */
export function clientCredentialsAuth(options: ClientCredentialsOptions): OAuth2Auth {
  return new OAuth2Auth({ ...options, ...pickCommon(options) }, async () => ({
    grant_type: 'client_credentials',
    client_secret: await resolveSecret(options.clientSecret),
  }));
}

function pickCommon(o: Partial<OAuth2CommonOptions>): Partial<OAuth2CommonOptions> {
  const out: Partial<OAuth2CommonOptions> = {};
  for (const key of ['refreshWindowMs', 'defaultExpiresInSeconds', 'timeoutMs', 'fetch', 'now', 'retry'] as const) {
    if (o[key] !== undefined) (out as Record<string, unknown>)[key] = o[key];
  }
  return out;
}

interface CachedToken {
  header: string;
  refreshAt: number;
  expiresAt: number;
}

/** A cached OAuth2 access token with single-flight refresh. */
export class OAuth2Auth implements AuthProvider {
  private token?: CachedToken;
  private inflight?: Promise<CachedToken>;
  /** How many tokens were fetched (for tests and metrics). */
  fetchCount = 0;

  constructor(
    private readonly options: OAuth2CommonOptions,
    private readonly grant: () => Promise<Record<string, string>>,
  ) {}

  /** Returns a valid `Bearer` header, fetching a token when none is cached or it is due. */
  async authorization(): Promise<string> {
    const now = (this.options.now ?? Date.now)();
    if (this.token && now < this.token.refreshAt) return this.token.header;
    this.inflight ??= this.fetchToken().finally(() => {
      this.inflight = undefined;
    });
    return (await this.inflight).header;
  }

  invalidate(header: string | undefined): void {
    if (this.token && this.token.header === header) this.token = undefined;
  }

  /** Fetches a token, retrying a throttled or unavailable endpoint with backoff (retry.ts). */
  private async fetchToken(): Promise<CachedToken> {
    const policy = { ...DEFAULT_HTTP_RETRY, ...this.options.retry };
    for (let retry = 1; ; retry++) {
      try {
        return await this.fetchTokenOnce();
      } catch (error) {
        const retryable =
          error instanceof ServiceUnavailableError &&
          (error.status === undefined || RETRYABLE_STATUSES.has(error.status)) &&
          retry <= policy.maxRetries;
        if (!retryable) throw error;
        await sleep(retryDelayMs(policy, retry, (error as ThrottledError).retryAfterMs));
      }
    }
  }

  private async fetchTokenOnce(): Promise<CachedToken> {
    const form = new URLSearchParams(await this.grant());
    if (this.options.clientId) form.set('client_id', this.options.clientId);
    if (this.options.scope) form.set('scope', this.options.scope);
    const doFetch = this.options.fetch ?? fetch;
    let response: Response;
    try {
      response = await doFetch(this.options.tokenEndpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: form.toString(),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
      });
    } catch (error) {
      throw new ServiceUnavailableError(
        `token endpoint ${this.options.tokenEndpoint} unreachable: ${describe(error)}`,
        { cause: scrub(error) },
      );
    }
    const text = await response.text();
    if (!response.ok) {
      const body = safeParse(text) as { error?: unknown; error_description?: unknown } | undefined;
      const detail =
        body && typeof body === 'object'
          ? [body.error, body.error_description].filter(Boolean).join(': ')
          : text.slice(0, 200);
      // 429 is a throttle, not a refusal: retried, and a ThrottledError when it persists.
      const message = `token endpoint answered ${response.status}: ${detail}`;
      if (response.status === 429) {
        const throttled = new ThrottledError(message, { status: 429 });
        throttled.retryAfterMs = retryAfterMs(response.headers);
        throw throttled;
      }
      const Class = response.status >= 500 ? ServiceUnavailableError : NotAuthorizedError;
      throw new Class(message, { status: response.status });
    }
    const body = safeParse(text) as
      | { access_token?: string; expires_in?: number | bigint; token_type?: string }
      | undefined;
    if (!body?.access_token) throw new NotAuthorizedError('token endpoint returned no access_token');
    registerSecret(body.access_token);
    this.fetchCount += 1;
    const now = (this.options.now ?? Date.now)();
    const lifetimeMs = Number(body.expires_in ?? this.options.defaultExpiresInSeconds ?? 3600) * 1000;
    const window = Math.min(this.options.refreshWindowMs ?? 60_000, lifetimeMs / 2);
    this.token = {
      header: `Bearer ${body.access_token}`,
      refreshAt: now + lifetimeMs - window,
      expiresAt: now + lifetimeMs,
    };
    return this.token;
  }
}

function safeParse(text: string): unknown {
  try {
    return parseJson(text);
  } catch {
    return undefined;
  }
}

/** A one-line, redacted description of a transport error (fetch nests the errno in `cause`). */
export function describe(error: unknown): string {
  const e = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  const parts = [e?.name, e?.message, e?.cause?.code ?? e?.cause?.message].filter(Boolean);
  return redact(parts.join(': '));
}

/** Keeps an error as a cause without letting secrets in its message through. */
export function scrub(error: unknown): unknown {
  if (error instanceof Error) {
    const copy = new Error(redact(error.message));
    copy.name = error.name;
    const code = (error as { code?: unknown }).code ?? (error.cause as { code?: unknown } | undefined)?.code;
    if (code !== undefined) Object.assign(copy, { code });
    return copy;
  }
  return undefined;
}
