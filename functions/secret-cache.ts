/**
 * The PAT from Secrets Manager through Powertools Parameters (`SecretsProvider`: fetched once
 * per cold start, cached for `maxAge`), fetched again after the catalog answered 401 (the secret
 * may have been rotated: `forceFetch`). The value is registered with the catalog's `redact`, and
 * never logged (invariant 7).
 */
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { registerSecret } from '../lib/catalog/errors.js';
import type { AuthProvider } from '../lib/catalog/rest/auth.js';

/** Raised when the secret has no usable string value (its content is never part of the message). */
export class SecretValueError extends Error {
  override name = 'SecretValueError';
}

export class SecretCache {
  private readonly provider: SecretsProvider;
  private stale = false;

  constructor(
    client: SecretsManagerClient,
    private readonly secretId: string,
    private readonly options: { maxAgeSeconds?: number } = {},
  ) {
    this.provider = new SecretsProvider({ awsSdkV3Client: client });
  }

  /** The secret, from cache while younger than `maxAgeSeconds` (default 15 minutes). */
  async get(): Promise<string> {
    const forceFetch = this.stale;
    this.stale = false;
    const raw = await this.provider.get(this.secretId, { maxAge: this.options.maxAgeSeconds ?? 15 * 60, forceFetch });
    const text = typeof raw === 'string' ? raw : raw ? Buffer.from(raw).toString('utf8') : undefined;
    const value = text === undefined ? undefined : extractSecret(text);
    if (!value)
      throw new SecretValueError(
        `secret ${this.secretId} has no string value (expected the PAT, or JSON with "pat"/"token"/"client_secret")`,
      );
    registerSecret(value);
    return value;
  }

  /** Forgets the cached value; the next `get` reads Secrets Manager again. */
  invalidate(): void {
    this.stale = true;
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
