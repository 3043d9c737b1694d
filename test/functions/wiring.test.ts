import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { readEnvironment } from '../../functions/environment.js';
import { refreshSecretOnUnauthorized, SecretCache } from '../../functions/secret-cache.js';
import { redact } from '../../lib/catalog/errors.js';

const base = {
  FLOE_CATALOG_URI: 'https://catalog.example/api/iceberg',
  FLOE_WAREHOUSE: 'wh',
  FLOE_AUTH_TYPE: 'token-exchange',
  FLOE_TOKEN_ENDPOINT: 'https://login.example/oauth/token',
  FLOE_SCOPE: 'dremio.all',
  FLOE_CLIENT_ID: 'dremio',
  FLOE_SECRET_ID: 'floe/pat',
  FLOE_COMMIT_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/1/floe-commits.fifo',
  FLOE_LANDING_BUCKET: 'landing',
};

describe('readEnvironment', () => {
  it('reads the contract with defaults', () => {
    const env = readEnvironment('convert', base);
    expect(env.errorsPrefix).toBe('_floe/errors/');
    expect(env.spillPrefix).toBe('_floe/commit-requests/');
    expect(env.landingPrefix).toBe('');
  });

  it('fails fast naming the missing variable', () => {
    const { FLOE_COMMIT_QUEUE_URL: _q, ...noQueue } = base;
    expect(() => readEnvironment('convert', noQueue)).toThrow('missing environment variable FLOE_COMMIT_QUEUE_URL');
    expect(readEnvironment('commit', noQueue).commitQueueUrl).toBeUndefined();
    const { FLOE_SCOPE: _s, ...noScope } = base;
    expect(() => readEnvironment('commit', noScope)).toThrow('FLOE_SCOPE');
    expect(readEnvironment('commit', { ...noScope, FLOE_AUTH_TYPE: 'bearer' }).authType).toBe('bearer');
    expect(() => readEnvironment('commit', { ...base, FLOE_AUTH_TYPE: 'basic' })).toThrow(/FLOE_AUTH_TYPE must be/);
    expect(() => readEnvironment('commit', { ...base, FLOE_MAX_FILE_BYTES: 'lots' })).toThrow(/FLOE_MAX_FILE_BYTES/);
  });
});

describe('SecretCache', () => {
  const sm = mockClient(SecretsManagerClient);
  afterEach(() => {
    sm.reset();
    vi.useRealTimers();
  });
  const fetches = () => sm.commandCalls(GetSecretValueCommand).length;

  it('reads once, caches within the TTL, re-reads after a 401 and after the TTL, and redacts the value', async () => {
    sm.on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: 'pat-one-123456' })
      .resolves({ SecretString: '{"pat":"pat-two-654321"}' });
    // Powertools' cache reads the clock through Date.
    vi.useFakeTimers({ toFake: ['Date'] });
    const cache = new SecretCache(new SecretsManagerClient({}), 'floe/pat', { maxAgeSeconds: 60 });
    expect(await cache.get()).toBe('pat-one-123456');
    expect(await cache.get()).toBe('pat-one-123456');
    expect(fetches()).toBe(1);
    expect(redact('token pat-one-123456 leaked')).not.toContain('pat-one-123456');

    let invalidated: string | undefined;
    const auth = refreshSecretOnUnauthorized(
      {
        authorization: async () => 'Bearer x',
        invalidate: (h) => {
          invalidated = h;
        },
      },
      cache,
    );
    auth.invalidate('Bearer x');
    expect(invalidated).toBe('Bearer x');
    expect(await cache.get()).toBe('pat-two-654321');
    expect(fetches()).toBe(2);
    vi.advanceTimersByTime(61_000);
    await cache.get();
    expect(fetches()).toBe(3);
    expect(sm.commandCalls(GetSecretValueCommand)[0]?.args[0].input).toEqual({ SecretId: 'floe/pat' });
  });

  it('names the secret, not its content, when it has no usable value', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: '{"other":"value-xyz"}' });
    const cache = new SecretCache(new SecretsManagerClient({}), 'floe/pat');
    await expect(cache.get()).rejects.toThrow(/secret floe\/pat has no string value/);
    await expect(cache.get()).rejects.not.toThrow(/value-xyz/);
  });
});
