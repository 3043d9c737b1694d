/**
 * `floe catalog serve`: runs floe's embedded Iceberg REST catalog over a local warehouse
 * directory, for local development and for other engines (Spark, PyIceberg, DuckDB) to use.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { CatalogServerConfigError, startCatalogServer, WarehouseLockedError } from '../../catalog/server/server.js';
import { LocalFileIO } from '../../storage/local.js';

export const summary = 'run the embedded Iceberg REST catalog (catalog serve --port 8181 --dir <warehouse>)';

const usage = `usage: floe catalog serve [--port 8181] [--host 127.0.0.1] --dir <warehouse> [--auth none|token]
                         [--secret-file <file>] [--client-id floe] [--token-ttl 3600] [--prefix <p>] [--max-body 16777216]
                         [--request-timeout 30]

  --dir          warehouse directory (created when missing); catalog state lives in <dir>/_catalog.
                 One server per warehouse: a second one refuses to start.
  --auth         token: clients must get a bearer token from POST /v1/oauth/tokens, by token
                 exchange (subject_token = the secret) or client credentials (client id and the
                 secret); default none
  --secret-file  file holding the secret for --auth token (else the FLOE_CATALOG_SECRET variable)
  --client-id    client id accepted with the secret (default floe)
  --token-ttl    lifetime of issued tokens in seconds
  --prefix       serve under /v1/<prefix>/… (advertised by /v1/config)
  --max-body     largest request body in bytes (default 16 MiB); larger ones get 413
  --request-timeout
                 seconds a request may take (default 30); a slower one is answered 503 and
                 changes nothing after that answer`;

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
        'secret-file': { type: 'string' },
        'client-id': { type: 'string', default: 'floe' },
        'max-body': { type: 'string' },
        'request-timeout': { type: 'string' },
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
  let secret: string | undefined;
  if (values.auth === 'token') {
    secret = values['secret-file']
      ? (await readFile(values['secret-file'], 'utf8')).trim()
      : process.env.FLOE_CATALOG_SECRET?.trim();
    if (!secret || secret.length < 16) {
      console.error(
        'floe catalog serve: --auth token needs a secret of at least 16 characters in --secret-file or FLOE_CATALOG_SECRET',
      );
      return 2;
    }
  }
  const maxBody = values['max-body'] ? Number(values['max-body']) : undefined;
  if (maxBody !== undefined && (!Number.isInteger(maxBody) || maxBody < 1)) {
    console.error(`floe catalog serve: invalid --max-body "${values['max-body']}"`);
    return 2;
  }
  const requestTimeout = values['request-timeout'] ? Number(values['request-timeout']) : undefined;
  if (requestTimeout !== undefined && !(requestTimeout > 0 && Number.isFinite(requestTimeout))) {
    console.error(`floe catalog serve: invalid --request-timeout "${values['request-timeout']}" (seconds)`);
    return 2;
  }
  const warehouse = resolve(values.dir);
  let server: Awaited<ReturnType<typeof startCatalogServer>>;
  try {
    server = await startCatalogServer({
      warehouse,
      io: new LocalFileIO(),
      host: values.host,
      port,
      auth: values.auth,
      ...(secret ? { acceptedSubjectTokens: [secret], clients: { [values['client-id'] ?? 'floe']: secret } } : {}),
      tokenTtlSeconds: values['token-ttl'] ? Number(values['token-ttl']) : undefined,
      prefix: values.prefix,
      maxBodyBytes: maxBody,
      requestTimeoutMs: requestTimeout === undefined ? undefined : requestTimeout * 1000,
    });
  } catch (error) {
    if (error instanceof WarehouseLockedError || error instanceof CatalogServerConfigError) {
      console.error(`floe catalog serve: ${error.message}`);
      return 1;
    }
    throw error;
  }
  console.log(
    `floe catalog: serving ${warehouse} at ${server.url}${values.prefix ? ` (prefix ${values.prefix})` : ''}, auth ${values.auth}`,
  );
  if (values.auth === 'token') console.log(`floe catalog: token endpoint ${server.tokenUrl}`);
  await new Promise<void>((done) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      server.close().then(() => {
        const stuck = server.inFlight;
        if (stuck === 0) return done();
        // A request blocked in a file system call holds a libuv thread, and Node waits for it
        // at exit: end by the signal's default action instead (the warehouse lock is released).
        console.error(`floe catalog: ${stuck} request(s) still blocked in the file system; exiting without them`);
        process.kill(process.pid, signal);
      }, done);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  return 0;
}
