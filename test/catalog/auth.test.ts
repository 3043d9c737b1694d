import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotAuthorizedError } from '../../lib/catalog/errors.js';
import { bearerAuth, clientCredentialsAuth, DREMIO_CLOUD, tokenExchangeAuth } from '../../lib/catalog/rest/auth.js';
import { RestCatalog } from '../../lib/catalog/rest/client.js';
import { startTestCatalog, type TestCatalog } from '../support/catalog-server.js';

const PAT = 'dremio-pat-7f3a9c2e1b5d4f60a8e2';

describe('OAuth2 against the embedded token endpoint', () => {
  let env: TestCatalog;

  beforeAll(async () => {
    env = await startTestCatalog({
      auth: 'token',
      tokenTtlSeconds: 1,
      acceptedSubjectTokens: [PAT],
      clients: { floe: 'client-secret-123456' },
      staticTokens: [PAT],
    });
    await new RestCatalog({ uri: env.server.url, auth: bearerAuth(PAT) }).createNamespace(['db']);
  });
  afterAll(async () => {
    await env.close();
  });

  it('exchanges the PAT with Dremio Cloud parameters (RFC 8693)', async () => {
    const forms: URLSearchParams[] = [];
    const spy: typeof fetch = async (input, init) => {
      if (String(input) === env.server.tokenUrl) forms.push(new URLSearchParams(String(init?.body)));
      return fetch(input, init);
    };
    const auth = tokenExchangeAuth({ subjectToken: async () => PAT, tokenEndpoint: env.server.tokenUrl, fetch: spy });
    const catalog = new RestCatalog({ uri: env.server.url, auth });
    expect(await catalog.loadNamespace(['db'])).toEqual({});
    expect(Object.fromEntries(forms[0] ?? [])).toEqual({
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      subject_token: PAT,
      subject_token_type: DREMIO_CLOUD.subjectTokenType,
      client_id: 'dremio',
      scope: 'dremio.all',
    });
    expect(tokenExchangeAuth({ subjectToken: PAT })).toMatchObject({
      options: { tokenEndpoint: 'https://login.dremio.cloud/oauth/token' },
    });
  });

  it('caches the token, shares one refresh between concurrent requests, refreshes ahead of expiry', async () => {
    // An injected clock: no real waiting for the token to age.
    let now = Date.now();
    const auth = tokenExchangeAuth({
      subjectToken: async () => PAT,
      tokenEndpoint: env.server.tokenUrl,
      now: () => now,
    });
    const catalog = new RestCatalog({ uri: env.server.url, auth });
    await Promise.all(Array.from({ length: 8 }, () => catalog.loadNamespace(['db'])));
    expect(auth.fetchCount).toBe(1);
    now += 400;
    await catalog.loadNamespace(['db']);
    expect(auth.fetchCount).toBe(1);
    // Tokens live 1 s; the safety window (half the lifetime here) makes the client refresh first.
    now += 200;
    await catalog.loadNamespace(['db']);
    expect(auth.fetchCount).toBe(2);
  });

  it('refreshes exactly once after a 401', async () => {
    const auth = tokenExchangeAuth({ subjectToken: async () => PAT, tokenEndpoint: env.server.tokenUrl });
    const catalog = new RestCatalog({ uri: env.server.url, auth });
    await catalog.loadNamespace(['db']);
    env.server.faults.revokeTokens();
    expect(await catalog.loadNamespace(['db'])).toEqual({});
    expect(auth.fetchCount).toBe(2);

    // A server that keeps refusing: one refresh, then NotAuthorizedError.
    const refusing: typeof fetch = async (input, init) =>
      String(input) === env.server.tokenUrl
        ? fetch(input, init)
        : new Response('{"error":{"message":"nope","type":"NotAuthorizedException","code":401}}', { status: 401 });
    const stubborn = tokenExchangeAuth({
      subjectToken: async () => PAT,
      tokenEndpoint: env.server.tokenUrl,
      fetch: refusing,
    });
    await expect(
      new RestCatalog({ uri: env.server.url, auth: stubborn, fetch: refusing }).loadNamespace(['db']),
    ).rejects.toBeInstanceOf(NotAuthorizedError);
    expect(stubborn.fetchCount).toBe(2);
  });

  it('supports client credentials (Polaris) and rejects a wrong secret', async () => {
    const good = clientCredentialsAuth({
      tokenEndpoint: env.server.tokenUrl,
      clientId: 'floe',
      clientSecret: 'client-secret-123456',
      scope: 'PRINCIPAL_ROLE:ALL',
    });
    expect(await new RestCatalog({ uri: env.server.url, auth: good }).loadNamespace(['db'])).toEqual({});
    const bad = clientCredentialsAuth({
      tokenEndpoint: env.server.tokenUrl,
      clientId: 'floe',
      clientSecret: 'wrong-secret-0000',
    });
    const error = await new RestCatalog({ uri: env.server.url, auth: bad })
      .loadNamespace(['db'])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotAuthorizedError);
    expect((error as Error).message).toContain('invalid_client');
    expect((error as Error).message).not.toContain('wrong-secret-0000');
  });

  it('refuses requests without a token', async () => {
    await expect(new RestCatalog({ uri: env.server.url }).loadNamespace(['db'])).rejects.toBeInstanceOf(
      NotAuthorizedError,
    );
  });
});
