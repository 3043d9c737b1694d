/**
 * `floe catalog serve`: runs floe's embedded Iceberg REST catalog over a local warehouse
 * directory, for local development and for other engines (Spark, PyIceberg, DuckDB) to use.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startCatalogServer } from '../../catalog/server/server.js';
import { LocalFileIO } from '../../storage/local.js';

export const summary = 'run the embedded Iceberg REST catalog (catalog serve --port 8181 --dir <warehouse>)';

const usage = `usage: floe catalog serve [--port 8181] [--host 127.0.0.1] --dir <warehouse> [--auth none|token] [--token-ttl 3600] [--prefix <p>]

  --dir        warehouse directory (created when missing); catalog state lives in <dir>/_catalog
  --auth       token: clients must get a bearer token from POST /v1/oauth/tokens
               (token exchange or client credentials); default none
  --token-ttl  lifetime of issued tokens in seconds
  --prefix     serve under /v1/<prefix>/… (advertised by /v1/config)`;

/** Runs `floe catalog <subcommand>`; returns the exit code. */
export async function run(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'serve' || rest.includes('--help') || rest.includes('-h')) {
    const help = sub === '--help' || sub === '-h' || rest.includes('--help') || rest.includes('-h');
    (help ? console.log : console.error)(usage);
    return help ? 0 : 2;
  }
  let values: Record<string, string | undefined>;
  try {
    ({ values } = parseArgs({
      args: rest,
      options: {
        port: { type: 'string', default: '8181' },
        host: { type: 'string', default: '127.0.0.1' },
        dir: { type: 'string' },
        auth: { type: 'string', default: 'none' },
        'token-ttl': { type: 'string' },
        prefix: { type: 'string' },
      },
    }) as { values: Record<string, string | undefined> });
  } catch (error) {
    console.error(`floe catalog serve: ${(error as Error).message}\n\n${usage}`);
    return 2;
  }
  if (!values.dir) {
    console.error(`floe catalog serve: --dir is required\n\n${usage}`);
    return 2;
  }
  if (values.auth !== 'none' && values.auth !== 'token') {
    console.error(`floe catalog serve: --auth must be none or token, not "${values.auth}"`);
    return 2;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`floe catalog serve: invalid --port "${values.port}"`);
    return 2;
  }
  const warehouse = resolve(values.dir);
  const server = await startCatalogServer({
    warehouse,
    io: new LocalFileIO(),
    host: values.host,
    port,
    auth: values.auth,
    tokenTtlSeconds: values['token-ttl'] ? Number(values['token-ttl']) : undefined,
    prefix: values.prefix,
  });
  console.log(
    `floe catalog: serving ${warehouse} at ${server.url}${values.prefix ? ` (prefix ${values.prefix})` : ''}, auth ${values.auth}`,
  );
  if (values.auth === 'token') console.log(`floe catalog: token endpoint ${server.tokenUrl}`);
  await new Promise<void>((done) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      server.close().then(done, done);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  return 0;
}
