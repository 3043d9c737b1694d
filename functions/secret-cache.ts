/**
 * The PAT from Secrets Manager: fetched once per cold start, cached with a TTL (as middy's
 * secrets-manager middleware does), and fetched again after the catalog answered 401 (the
 * secret may have been rotated). The value is registered with the catalog's `redact`, and never
 * logged (invariant 7).
 */
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { registerSecret } from '../lib/catalog/errors.js';
import type { AuthProvider } from '../lib/catalog/rest/auth.js';

/** Raised when the secret has no usable string value (its content is never part of the message). */
export class SecretValueError extends Error {
  override name = 'SecretValueError';
}

export class SecretCache {
  private value?: Promise<string>;
  private fetchedAt = 0;
  /** Secrets Manager calls made (for tests and metrics). */
  fetches = 0;

  constructor(
    private readonly client: SecretsManagerClient,
    private readonly secretId: string,
    private readonly options: { ttlMs?: number; now?: () => number } = {},
  ) {}

  /** The secret, from cache while younger than the TTL (default 15 minutes). */
  get(): Promise<string> {
    const now = (this.options.now ?? Date.now)();
    if (!this.value || now - this.fetchedAt > (this.options.ttlMs ?? 15 * 60_000)) {
      this.fetchedAt = now;
      this.value = this.fetch();
      this.value.catch(() => {
        this.value = undefined;
      });
    }
    return this.value;
  }

  /** Forgets the cached value; the next `get` reads Secrets Manager again. */
  invalidate(): void {
    this.value = undefined;
  }

  private async fetch(): Promise<string> {
    this.fetches++;
    const out = await this.client.send(new GetSecretValueCommand({ SecretId: this.secretId }));
    const text = out.SecretString ?? (out.SecretBinary ? Buffer.from(out.SecretBinary).toString('utf8') : undefined);
    const value = text === undefined ? undefined : extractSecret(text);
    if (!value)
      throw new SecretValueError(
        `secret ${this.secretId} has no string value (expected the PAT, or JSON with "pat"/"token"/"client_secret")`,
      );
    registerSecret(value);
    return value;
  }
}

/** The secret string: the raw value, or the `pat`/`token`/`client_secret` member of a JSON secret. */
function extractSecret(text: string): string | undefined {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{')) return trimmed;
  try {
    const json = JSON.parse(trimmed) as Record<string, unknown>;
    for (const key of ['pat', 'token', 'client_secret', 'secret']) {
      if (typeof json[key] === 'string') return json[key] as string;
    }
  } catch {
    return undefined;
  }
  return undefined;
}

/** Wraps an auth provider so that a 401 also drops the cached secret (re-read after rotation). */
export function refreshSecretOnUnauthorized(auth: AuthProvider, secret: SecretCache): AuthProvider {
  return {
    authorization: () => auth.authorization(),
    invalidate(header) {
      secret.invalidate();
      auth.invalidate(header);
    },
  };
}
