/**
 * `floe backfill <dir | manifest.txt> --table ns.t --mode append|replace-partitions|overwrite
 *  [--concurrency N] [--files-per-snapshot N]`: the local face of the backfill use case, with a
 * progress bar (files, bytes, rows, ETA) in a terminal and one summary line otherwise.
 * `--from-table ns.src` reads another Iceberg table instead of files, `--select`/`--where`
 * transform the rows, and `--mode overwrite --partition k=v` replaces exactly one partition
 * (issue 17); `--mode overwrite` without `--partition` replaces a whole unpartitioned table.
 */
import { stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import cliProgress from 'cli-progress';
import { formatIdentifier, parseIdentifier, type TableIdentifier } from '../../catalog/catalog.js';
import { stringifyJson } from '../../iceberg/json.js';
import { defaultSpec } from '../../iceberg/metadata.js';
import { type BackfillMode, type BackfillProgress, runBackfill, startingProgress } from '../../ingest/backfill.js';
import type { BackfillPlan } from '../../ingest/backfill-plan.js';
import { loadIngestConfig } from '../../ingest/config.js';
import { configWithTransform } from '../../ingest/route-transform.js';
import { parsePartitionAssignments, runStaticOverwrite, type StaticPartition } from '../../ingest/static-overwrite.js';
import { loadTableIfExists } from '../../ingest/table-setup.js';
import { planTableSource, tableBackfillContext } from '../../ingest/table-source.js';
import { type CatalogConnection, connectCatalog } from '../../local/catalog-connection.js';
import { findConfigFile } from '../../local/config-file.js';
import { isIgnoredName } from '../../local/landing-watcher.js';
import { localBackfillContext, planLocalBackfill, singleTableConfig } from '../../local/local-backfill.js';
import { LocalFileIO } from '../../storage/local.js';
import { parseCommandArgs } from '../args.js';

const usage = `usage: floe backfill <dir | keys.txt> --table ns.t [--mode append|replace-partitions|overwrite]
       floe backfill --from-table ns.src --table ns.t [--select SQL] [--where SQL] [--mode …]
       [--partition k=v …] [--concurrency 4] [--files-per-snapshot 500] [--chunk-files 50] [--json]
       [--catalog URI | --dir .floe] [--config FILE]

Re-running, or resuming after a kill, is safe: files whose ingest id is already in the table
are skipped (append), or the run resumes where it stopped (replace-partitions).
replace-partitions on an unpartitioned table would replace the whole table: that takes
--mode overwrite (unpartitioned tables only).
--from-table reads the source table's current snapshot through the catalog (partitions pruned by
--where); --select/--where transform rows (docs/transforms.md); --mode overwrite with
--partition order_date=2024-01-15 replaces exactly that partition, even with no new rows.`;

export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandArgs(
    'backfill',
    args,
    usage,
    {
      table: { type: 'string' },
      'from-table': { type: 'string' },
      select: { type: 'string' },
      where: { type: 'string' },
      partition: { type: 'string', multiple: true },
      mode: { type: 'string', default: 'append' },
      concurrency: { type: 'string', default: '4' },
      'files-per-snapshot': { type: 'string', default: '500' },
      'chunk-files': { type: 'string', default: '50' },
      catalog: { type: 'string' },
      dir: { type: 'string', default: '.floe' },
      config: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
    ({ values, positionals }) =>
      positionals.length === (values['from-table'] ? 0 : 1) && values.table !== undefined,
  );
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  const fromTable = values['from-table'];
  const mode = values.mode as BackfillMode | 'overwrite';
  if (mode !== 'append' && mode !== 'replace-partitions' && mode !== 'overwrite') {
    console.error(`floe backfill: --mode must be append, replace-partitions or overwrite, got ${values.mode}`);
    return 2;
  }
  let partition: StaticPartition | undefined;
  if (values.partition) {
    if (mode !== 'overwrite') {
      console.error('floe backfill: --partition needs --mode overwrite');
      return 2;
    }
    partition = parsePartitionAssignments(values.partition);
  }
  const concurrency = positiveInt(values.concurrency, '--concurrency');
  const filesPerSnapshot = positiveInt(values['files-per-snapshot'], '--files-per-snapshot');
  const chunkFiles = positiveInt(values['chunk-files'], '--chunk-files');
  const table = parseIdentifier(values.table as string);
  const configPath = values.config ?? (await findConfigFile(process.cwd()));
  const config = configWithTransform(configPath ? await loadIngestConfig(configPath) : undefined, {
    select: values.select,
    where: values.where,
  });
  const connection = await connectCatalog({ catalog: values.catalog, dir: values.dir });
  // Without --partition, overwrite = replace-partitions of an unpartitioned table: the whole table.
  const refusal = partition ? undefined : await replaceRefusal(connection, table, mode);
  if (refusal) {
    await connection.close();
    console.error(`floe backfill: ${refusal}`);
    return 2;
  }
  let plan: BackfillPlan;
  let context: ReturnType<typeof localBackfillContext>;
  if (fromTable) {
    const source = parseIdentifier(fromTable);
    const planned = await planTableSource(connection.catalog, source, (t) => connection.ioFor(t), {
      where: values.where,
      maxChunkFiles: chunkFiles,
    });
    plan = planned;
    context = tableBackfillContext({
      catalog: connection.catalog,
      table,
      source,
      config: singleTableConfig(table, config),
      tableIo: (t) => connection.ioFor(t),
      sourceIo: connection.ioFor(planned.loaded),
      errorsLocation: `${connection.home.errors}/`,
      reportIo: new LocalFileIO(),
      mode,
    });
  } else {
    const source = resolve(positionals[0] as string);
    const isDir = (await stat(source)).isDirectory();
    const sourceRoot = isDir ? source : dirname(source);
    plan = await planLocalBackfill(isDir ? { prefix: `${source}/` } : { manifest: source }, {
      maxChunkFiles: chunkFiles,
      filter: (path) =>
        !path
          .slice(sourceRoot.length)
          .split('/')
          .some((part) => part !== '' && isIgnoredName(part)),
    });
    context = localBackfillContext(connection, table, sourceRoot, config, mode === 'append' ? 'append' : 'replace-partitions');
  }
  const tty = process.stdout.isTTY && !values.json;
  const bar = tty
    ? new cliProgress.SingleBar(
        {
          format:
            '{bar} {percentage}% | {value}/{total} files | {mb}/{totalMb} MB | {rows} rows | {snapshots} snapshots | ETA {eta_formatted}',
          hideCursor: true,
        },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  const payload = (p: BackfillProgress) => ({
    mb: (p.bytesDone / 1e6).toFixed(1),
    totalMb: (p.bytes / 1e6).toFixed(1),
    rows: p.rows,
    snapshots: p.snapshots,
  });
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once('SIGINT', onSignal);
  try {
    bar?.start(plan.files, 0, payload(startingProgress(plan)));
    const started = Date.now();
    const result =
      mode === 'overwrite' && partition
        ? await runStaticOverwrite(plan, context, { partition, concurrency })
        : await runBackfill(plan, context, {
            mode: mode === 'overwrite' ? 'replace-partitions' : mode,
            concurrency,
            filesPerSnapshot,
            signal: abort.signal,
            onProgress: (p) => bar?.update(p.filesDone, payload(p)),
          });
    bar?.stop();
    const seconds = (Date.now() - started) / 1000;
    if (values.json) {
      console.log(stringifyJson({ ...result, seconds }));
    } else {
      console.log(
        `backfill ${result.mode} into ${values.table}: ${result.files} files (${(result.bytes / 1e6).toFixed(1)} MB) in ${seconds.toFixed(1)} s; ` +
          `${result.committed} committed, ${result.skipped} already ingested, ${result.rejected} rejected; ` +
          `${result.rows} rows; ${result.snapshots} snapshots (run ${result.runId})`,
      );
      for (const r of result.rejections.slice(0, 20)) console.log(`  ✘ ${r.path}: ${r.reason}`);
      if (abort.signal.aborted) console.log('interrupted: run the same command again to resume');
    }
    return result.rejected > 0 || abort.signal.aborted ? 1 : 0;
  } finally {
    bar?.stop();
    process.off('SIGINT', onSignal);
    await connection.close();
  }
}

function positiveInt(text: string, name: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`floe backfill: ${name} must be a positive integer, got ${text}`);
  return n;
}

/**
 * Replacing partitions of an unpartitioned table replaces the whole table: that takes an explicit
 * `--mode overwrite`; and overwrite applies only to unpartitioned tables (or a new table).
 */
async function replaceRefusal(
  connection: CatalogConnection,
  table: TableIdentifier,
  mode: string,
): Promise<string | undefined> {
  if (mode === 'append') return undefined;
  const loaded = await loadTableIfExists(connection.catalog, table);
  if (!loaded) return undefined;
  const partitioned = defaultSpec(loaded.metadata).fields.length > 0;
  const name = formatIdentifier(table);
  if (mode === 'replace-partitions' && !partitioned)
    return `${name} is unpartitioned: replace-partitions would replace the whole table; pass --mode overwrite to do that`;
  if (mode === 'overwrite' && partitioned)
    return `${name} is partitioned: --mode overwrite replaces unpartitioned tables only; use --mode replace-partitions`;
  return undefined;
}
