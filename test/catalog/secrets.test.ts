import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitWithRetry } from '../../lib/catalog/commit-driver.js';
import { tokenExchangeAuth } from '../../lib/catalog/rest/auth.js';
import { RestCatalog } from '../../lib/catalog/rest/client.js';
import { startTestCatalog, type TestCatalog } from '../support/catalog-server.js';

const PAT = 'pat-SECRET-41d8cd98f00b204e9800998ecf8427e';

describe('secrets stay secret', () => {
  let env: TestCatalog;
  const output: string[] = [];
  const restore: Array<() => void> = [];

  beforeAll(async () => {
    env = await startTestCatalog({ auth: 'token', acceptedSubjectTokens: [PAT] });
    // Capture everything written to stdout/stderr and the console while the scenario runs.
    for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      const original = console[method];
      console[method] = (...args: unknown[]) => {
        output.push(args.map((a) => (typeof a === 'string' ? a : inspect(a, { depth: 10 }))).join(' '));
      };
      restore.push(() => {
        console[method] = original;
      });
    }
    for (const stream of [process.stdout, process.stderr]) {
      const original = stream.write.bind(stream);
      stream.write = ((chunk: unknown, ...rest: unknown[]) => {
        output.push(String(chunk));
        return original(chunk as string, ...(rest as []));
      }) as typeof stream.write;
      restore.push(() => {
        stream.write = original;
      });
    }
  });
  afterAll(async () => {
    for (const r of restore) r();
    await env.close();
  });

  it('never prints or throws the PAT or an access token', async () => {
    const tokens: string[] = [];
    const spy: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (String(input) === env.server.tokenUrl && response.ok) {
        const body = (await response.clone().json()) as { access_token: string };
        tokens.push(body.access_token);
      }
      return response;
    };
    const logger = (line: object) => console.log(JSON.stringify(line));
    const auth = tokenExchangeAuth({ subjectToken: async () => PAT, tokenEndpoint: env.server.tokenUrl, fetch: spy });
    const catalog = new RestCatalog({ uri: env.server.url, auth, fetch: spy, logger });
    await catalog.createNamespace(['db']);
    await catalog.createTable(['db'], {
      name: 't',
      schema: { type: 'struct', 'schema-id': 0, fields: [{ id: 1, name: 'a', required: false, type: 'int' }] },
    });
    const id = { namespace: ['db'], name: 't' };

    const errors: unknown[] = [];
    // A 401 and a refresh, a conflict and an unknown outcome, all logged.
    env.server.faults.revokeTokens();
    env.server.faults.failNextCommits(2, 409);
    await commitWithRetry(
      catalog,
      id,
      async () => ({ change: { requirements: [], updates: [{ action: 'set-properties', updates: { k: 'v' } }] } }),
      {
        retry: { minWaitMs: 1 },
        onRetry: (info) => console.warn('retry', info.reason, info.error.message),
      },
    ).catch((e: unknown) => errors.push(e));

    // A misbehaving proxy that echoes the credentials back in its error body.
    const echoing: typeof fetch = async (_input, init) => {
      const headers = new Headers(init?.headers);
      return new Response(
        `{"error":{"message":"bad auth ${headers.get('authorization')} for ${PAT}","type":"BadRequestException","code":400}}`,
        { status: 400 },
      );
    };
    const echoed = new RestCatalog({
      uri: env.server.url,
      auth: tokenExchangeAuth({ subjectToken: PAT, tokenEndpoint: env.server.tokenUrl }),
      fetch: echoing,
      logger,
    });
    await echoed.loadNamespace(['db']).catch((e: unknown) => errors.push(e));

    // A wrong PAT: the token endpoint refuses it.
    const wrong = `${PAT}-rotated`;
    const refused = new RestCatalog({
      uri: env.server.url,
      auth: tokenExchangeAuth({ subjectToken: async () => wrong, tokenEndpoint: env.server.tokenUrl }),
      logger,
    });
    await refused.loadNamespace(['db']).catch((e: unknown) => errors.push(e));

    for (const e of errors) console.error(e);
    expect(errors).toHaveLength(2);
    expect(tokens.length).toBeGreaterThanOrEqual(2);
    const everything = [...output, ...errors.map((e) => inspect(e, { depth: 10 }))].join('\n');
    expect(everything).toContain('retry conflict');
    expect(everything).toContain('bad auth Bearer ***');
    for (const secret of [PAT, wrong, ...tokens]) expect(everything).not.toContain(secret);
  });
});
