import { describe, expect, it } from 'vitest';
import {
  AlreadyExistsError,
  BadRequestError,
  CatalogError,
  CommitConflictError,
  CommitStateUnknownError,
  errorClassFor,
  errorForStatus,
  NoSuchNamespaceError,
  NoSuchTableError,
  NotAuthorizedError,
  ServiceUnavailableError,
} from '../../lib/catalog/errors.js';
import { ResolvedConfig } from '../../lib/catalog/rest/config.js';
import { startTestCatalog } from '../support/catalog-server.js';

describe('/v1/config', () => {
  it('merges defaults < client properties < overrides and builds paths under the prefix', () => {
    const config = new ResolvedConfig(
      { defaults: { prefix: 'd', a: 'default', b: 'default', c: 'default' }, overrides: { b: 'override' } },
      { a: 'client', b: 'client', prefix: 'p/q' },
    );
    expect(config.properties).toEqual({ prefix: 'p/q', a: 'client', b: 'override', c: 'default' });
    expect(config.path('namespaces', config.namespace(['a b', 'c']))).toBe('v1/p/q/namespaces/a%20b%1Fc');
    expect(config.namespaceQuery(['a', 'b'])).toBe('a\u001fb');
    expect(new ResolvedConfig({}).path('tables', 'rename')).toBe('v1/tables/rename');
    // Without an `endpoints` list the spec's default set applies (no HEAD, no credentials).
    expect(new ResolvedConfig({}).supports('POST /v1/{prefix}/transactions/commit')).toBe(true);
    expect(new ResolvedConfig({}).explicitEndpoints).toBe(false);
  });

  it("lets the server's overrides win over the client and honours the advertised endpoints", async () => {
    const env = await startTestCatalog({ prefix: 'wh' });
    const sent: string[] = [];
    // Pass-through fetch that removes two routes from the server's `endpoints` list.
    const trimmed: typeof fetch = async (input, init) => {
      const url = new URL(String(input));
      sent.push(`${init?.method ?? 'GET'} ${url.pathname}`);
      const response = await fetch(input, init);
      if (url.pathname !== '/v1/config') return response;
      const body = (await response.json()) as { endpoints: string[] };
      body.endpoints = body.endpoints.filter(
        (e) => !e.startsWith('HEAD /v1/{prefix}/namespaces/{namespace}/tables/') && !e.endsWith('/tables/rename'),
      );
      return Response.json(body);
    };
    try {
      const catalog = env.client({ fetch: trimmed, properties: { prefix: 'client-choice' } });
      await catalog.createNamespace(['db']);
      await catalog.createTable(['db'], { name: 't', schema: { type: 'struct', 'schema-id': 0, fields: [] } });
      expect(sent.slice(1, 3)).toEqual(['POST /v1/wh/namespaces', 'POST /v1/wh/namespaces/db/tables']);
      sent.length = 0;
      // No HEAD advertised: tableExists loads the table instead.
      expect(await catalog.tableExists({ namespace: ['db'], name: 't' })).toBe(true);
      expect(await catalog.tableExists({ namespace: ['db'], name: 'nope' })).toBe(false);
      expect(sent).toEqual(['GET /v1/wh/namespaces/db/tables/t', 'GET /v1/wh/namespaces/db/tables/nope']);
      // Rename is not advertised: refused before anything is sent.
      sent.length = 0;
      await expect(
        catalog.renameTable({ namespace: ['db'], name: 't' }, { namespace: ['db'], name: 'u' }),
      ).rejects.toThrow(/does not support POST \/v1\/\{prefix\}\/tables\/rename/);
      expect(sent).toEqual([]);
    } finally {
      await env.close();
    }
  });
});

describe('the status → error table', () => {
  it('maps every status of the issue to its class', () => {
    const table: Array<[number, Parameters<typeof errorClassFor>[1], string | undefined, unknown]> = [
      [400, 'commit', undefined, BadRequestError],
      [400, 'table', undefined, BadRequestError],
      [401, 'table', undefined, NotAuthorizedError],
      [403, 'commit', undefined, NotAuthorizedError],
      [404, 'table', 'NoSuchTableException', NoSuchTableError],
      [404, 'table', 'NoSuchNamespaceException', NoSuchNamespaceError],
      [404, 'create', undefined, NoSuchNamespaceError],
      [404, 'commit', undefined, NoSuchTableError],
      [409, 'commit', 'CommitFailedException', CommitConflictError],
      [409, 'create', 'AlreadyExistsException', AlreadyExistsError],
      [500, 'commit', undefined, CommitStateUnknownError],
      [502, 'commit', undefined, CommitStateUnknownError],
      [503, 'commit', undefined, CommitStateUnknownError],
      [504, 'commit', undefined, CommitStateUnknownError],
      [503, 'table', undefined, ServiceUnavailableError],
      [503, 'namespace', undefined, ServiceUnavailableError],
      [418, 'other', undefined, CatalogError],
    ];
    for (const [status, kind, type, expected] of table) {
      expect([status, kind, type, errorClassFor(status, kind, type)]).toEqual([status, kind, type, expected]);
    }
    const error = errorForStatus(503, 'table', 'GET /v1/x: catalog is busy', 'ServiceUnavailableException');
    expect(error).toBeInstanceOf(ServiceUnavailableError);
    expect(error).toMatchObject({
      status: 503,
      serverType: 'ServiceUnavailableException',
      name: 'ServiceUnavailableError',
    });
    expect(error.message).toContain('catalog is busy');
  });
});
