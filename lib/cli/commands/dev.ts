/**
 * `floe dev` (`npm start`): the embedded local stack. Starts floe's REST catalog on 127.0.0.1,
 * watches `<dir>/landing`, ingests each file through the same convert and commit code as the
 * Lambdas, and prints a line per file. Ctrl-C stops cleanly.
 */
import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { WarehouseLockedError } from '../../catalog/server/warehouse-lock.js';
import { defaultIngestConfig, type IngestConfig, loadIngestConfig } from '../../ingest/config.js';
import { findConfigFile } from '../../local/config-file.js';
import { type DevEvent, startDevStack } from '../../local/dev-stack.js';

export const summary = 'run floe locally: embedded catalog + watched landing directory (npm start)';

const usage = `usage: floe dev [--port 8181] [--dir ./.floe] [--config floe.config.json] [--demo]
                [--s3-endpoint URL [--landing-bucket landing] [--warehouse-bucket warehouse]]

  --port N        catalog port on 127.0.0.1 (0 = any free port)         default 8181
  --dir DIR       warehouse, landing and errors live under DIR            default ./.floe
  --config FILE   routes and options (default: ./floe.config.{json,yaml,yml} if present,
                  else the convention landing/<namespace>/<table>/<file>)
  --demo          drop sample CSV and NDJSON files into landing/demo/…
  --s3-endpoint URL   landing and warehouse in buckets of an S3-compatible server (MinIO,
                  s3rver); credentials from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (default
                  minioadmin), vended by the catalog with each table; new objects are found
                  by polling the landing bucket's listing
  --landing-bucket NAME     with --s3-endpoint                             default landing
  --warehouse-bucket NAME   with --s3-endpoint                             default warehouse`;

const DEMO_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'local', 'demo');

export async function run(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      port: { type: 'string', default: '8181' },
      dir: { type: 'string', default: '.floe' },
      config: { type: 'string' },
      demo: { type: 'boolean', default: false },
      's3-endpoint': { type: 'string' },
      'landing-bucket': { type: 'string', default: 'landing' },
      'warehouse-bucket': { type: 'string', default: 'warehouse' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const s3Endpoint = values['s3-endpoint'];
  if (s3Endpoint !== undefined && !/^https?:\/\/[^/]+/.test(s3Endpoint)) {
    console.error(`floe dev: --s3-endpoint must be an http(s) URL, not ${s3Endpoint}`);
    return 2;
  }
  if (s3Endpoint && values.demo) {
    console.error(
      'floe dev: --demo drops files into the landing directory; with --s3-endpoint, upload them to the landing bucket instead',
    );
    return 2;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`floe dev: invalid --port ${values.port}`);
    return 2;
  }
  const configPath = values.config ?? (await findConfigFile(process.cwd()));
  const config: IngestConfig = configPath ? await loadIngestConfig(configPath) : defaultIngestConfig();

  let dropBadDemoFile: (() => void) | undefined;
  const stack = await startDevStack({
    dir: values.dir,
    port,
    config,
    s3: s3Endpoint
      ? { endpoint: s3Endpoint, landingBucket: values['landing-bucket'], warehouseBucket: values['warehouse-bucket'] }
      : undefined,
    onEvent: (event) => {
      console.log(describeEvent(event));
      if (event.kind === 'committed' && dropBadDemoFile) {
        dropBadDemoFile();
        dropBadDemoFile = undefined;
      }
    },
  }).catch((error: unknown) => {
    // A second `floe dev` on the same --dir: say so plainly (the first one keeps its dev.json).
    if (!(error instanceof WarehouseLockedError)) throw error;
    console.error(`floe dev: ${error.message}`);
    return undefined;
  });
  if (!stack) return 1;
  if (s3Endpoint) {
    printBanner(
      stack.catalogUri,
      `s3://${values['landing-bucket']}`,
      `s3://${values['warehouse-bucket']}/ at ${s3Endpoint}`,
      configPath,
    );
  } else printBanner(stack.catalogUri, stack.home.landing, stack.home.warehouse, configPath);

  if (values.demo) {
    const orders = join(stack.home.landing, 'demo', 'orders');
    const clicks = join(stack.home.landing, 'demo', 'clicks');
    await mkdir(orders, { recursive: true });
    await mkdir(clicks, { recursive: true });
    await dropDemo('orders-2024-06-01.csv', orders);
    await dropDemo('orders-2024-06-02.csv', orders);
    await dropDemo('clicks-0001.ndjson', clicks);
    // The bad file lands once the table exists, so the demo shows a rejection, not a string column.
    dropBadDemoFile = () => void dropDemo('orders-bad.csv', orders);
    console.log(`demo: dropped sample files into ${join(stack.home.landing, 'demo')}/`);
  }

  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) {
        console.error(
          'floe dev: second signal, exiting now (committed data is safe; in-flight files are picked up on restart)',
        );
        process.exit(130);
      }
      stopping = true;
      console.log(`\n${signal}: finishing in-flight files…`);
      void stack.stop().then(resolve);
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
  });
  console.log('floe dev stopped');
  return 0;
}

async function dropDemo(name: string, into: string): Promise<void> {
  try {
    // COPYFILE_EXCL: a file already there (an earlier --demo run) is left alone.
    await copyFile(join(DEMO_DIR, name), join(into, name), 1);
  } catch {
    // already present
  }
}

function describeEvent(event: DevEvent): string {
  const time = new Date().toISOString().slice(11, 19);
  switch (event.kind) {
    case 'committed':
      return `${time} ✔ ${event.key} → ${event.table}: ${event.rows} rows, snapshot ${event.snapshotId}`;
    case 'duplicate':
      return `${time} = ${event.key} → ${event.table}: already ingested`;
    case 'rejected':
      return `${time} ✘ ${event.key}${event.table ? ` → ${event.table}` : ''}: rejected: ${event.reason} (report ${event.reportPath})`;
    case 'skipped':
      return `${time} - ${event.key}: skipped (${event.reason})`;
    case 'failed':
      return `${time} ! ${event.key}: failed, will retry on restart: ${(event.error as Error)?.message ?? String(event.error)}`;
  }
}

function printBanner(uri: string, landing: string, warehouse: string, configPath: string | undefined): void {
  console.log(`floe dev
  catalog    ${uri}   (Iceberg REST, no auth)
  landing    ${landing}/<namespace>/<table>/<file>
  warehouse  ${warehouse}
  config     ${configPath ?? '(none: convention routing)'}

Connect an engine:
  PyIceberg  load_catalog("floe", type="rest", uri="${uri}")
  Spark      --conf spark.sql.catalog.floe=org.apache.iceberg.spark.SparkCatalog \\
             --conf spark.sql.catalog.floe.type=rest --conf spark.sql.catalog.floe.uri=${uri}
  DuckDB     INSTALL iceberg; LOAD iceberg;   -- DuckDB 1.4+
             ATTACH 'warehouse' AS floe (TYPE iceberg, ENDPOINT '${uri}', AUTHORIZATION_TYPE 'none');
  floe       npx floe tables | npx floe scan <ns.table> | npx floe history <ns.table> | npx floe errors

Watching for files. Ctrl-C to stop.`);
}
