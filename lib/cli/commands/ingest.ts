/**
 * `floe ingest <file…> --table ns.t [--catalog URI] [--config FILE] [--dry-run] [--json]`: the
 * convert and commit path on local files, committed as one snapshot (a one-shot append backfill,
 * so the same ingest ids and dedup apply: ingesting the same file twice adds it once).
 * `--select`/`--where` transform the rows; `--mode overwrite --partition k=v` replaces exactly
 * that partition (issue 17).
 */
import { readFile, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parseIdentifier, type TableIdentifier } from '../../catalog/catalog.js';
import { stringifyJson } from '../../iceberg/json.js';
import { runBackfill } from '../../ingest/backfill.js';
import { chunkObjects } from '../../ingest/backfill-plan.js';
import { type IngestConfig, loadIngestConfig } from '../../ingest/config.js';
import { runLocalIngest } from '../../ingest/local-ingest.js';
import { configWithTransform } from '../../ingest/route-transform.js';
import { parsePartitionAssignments, runStaticOverwrite } from '../../ingest/static-overwrite.js';
import { type CatalogConnection, connectCatalog } from '../../local/catalog-connection.js';
import { findConfigFile } from '../../local/config-file.js';
import { localBackfillContext } from '../../local/local-backfill.js';
import { localEtag } from '../../local/local-objects.js';

export const summary = 'ingest local files into a table (same convert and commit path as the Lambdas)';

const usage = `usage: floe ingest <file...> --table ns.t [--dry-run] [--json] [--catalog URI | --dir .floe] [--config FILE]
       [--select SQL] [--where SQL] [--mode append|overwrite --partition name=value …]

--select/--where shape rows on the way in (docs/transforms.md); --mode overwrite replaces exactly
the named partition with the files' rows (a row outside it is an error).

--dry-run shows each file's schema (inferred, or aligned to the existing table), its row count and
any errors, and writes nothing. A rejected file exits 1 and prints its error report.`;

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      table: { type: 'string' },
      catalog: { type: 'string' },
      dir: { type: 'string', default: '.floe' },
      config: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      select: { type: 'string' },
      where: { type: 'string' },
      mode: { type: 'string', default: 'append' },
      partition: { type: 'string', multiple: true },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help || positionals.length === 0 || !values.table) {
    console.log(usage);
    return values.help ? 0 : 2;
  }
  const table = parseIdentifier(values.table);
  const configPath = values.config ?? (await findConfigFile(process.cwd()));
  const config = configWithTransform(configPath ? await loadIngestConfig(configPath) : undefined, {
    select: values.select,
    where: values.where,
  });
  if (
    (values.mode === 'overwrite') !== (values.partition !== undefined) ||
    !['append', 'overwrite'].includes(values.mode)
  ) {
    console.error('floe ingest: --mode is append or overwrite, and overwrite needs --partition name=value');
    return 2;
  }
  const partition = values.partition ? parsePartitionAssignments(values.partition) : undefined;
  const files = await Promise.all(
    positionals.map(async (p) => {
      const path = resolve(p);
      const s = await stat(path);
      return { path, size: s.size, etag: localEtag(s.size, s.mtimeMs), lastModifiedMs: s.mtimeMs };
    }),
  );

  const connection = await connectCatalog({ catalog: values.catalog, dir: values.dir });
  try {
    if (values['dry-run'])
      return await dryRun(
        files.map((f) => f.path),
        connection,
        table,
        config,
        values.json,
      );
    const chunks = chunkObjects(files, { maxChunkFiles: 1 });
    const plan = { source: 'files', files: files.length, bytes: files.reduce((n, f) => n + f.size, 0), chunks };
    const sourceRoot = dirname(files[0]?.path ?? process.cwd());
    const result = partition
      ? await runStaticOverwrite(
          plan,
          localBackfillContext(connection, table, sourceRoot, config, 'replace-partitions'),
          {
            partition,
          },
        )
      : await runBackfill(plan, localBackfillContext(connection, table, sourceRoot, config), {
          mode: 'append',
          concurrency: 2,
          filesPerSnapshot: 10_000,
        });
    if (values.json) console.log(stringifyJson(result));
    else {
      console.log(
        `${values.table}: ${result.committed} file(s) committed (${result.rows} rows), ${result.skipped} already ingested, ${result.rejected} rejected` +
          (result.snapshotIds.length > 0 ? `; snapshot ${result.snapshotIds.join(', ')}` : ''),
      );
    }
    for (const r of result.rejections) {
      const report = r.reportPath ? await readFile(r.reportPath, 'utf8').catch(() => undefined) : undefined;
      if (values.json)
        console.log(
          stringifyJson({ rejected: r.path, reportPath: r.reportPath, report: report && JSON.parse(report) }),
        );
      else console.log(`  ✘ ${r.path}: ${r.reason}${report ? `\n${report}` : ''}`);
    }
    return result.rejected > 0 ? 1 : 0;
  } finally {
    await connection.close();
  }
}

/** `--dry-run`: the same routing, alignment and conversion as a real ingest, writing nothing. */
async function dryRun(
  paths: string[],
  connection: CatalogConnection,
  table: TableIdentifier,
  config: IngestConfig | undefined,
  json: boolean,
): Promise<number> {
  const { files } = await runLocalIngest({ files: paths, catalog: connection.catalog, table, config, dryRun: true });
  let failed = 0;
  for (const [i, outcome] of files.entries()) {
    const path = paths[i];
    if (outcome.status !== 'dry-run') {
      if (outcome.status === 'rejected') failed++;
      console.log(json ? stringifyJson({ file: path, ...outcome }) : `${path}: ${outcome.status}`);
      continue;
    }
    if (outcome.error) failed++;
    if (json) {
      console.log(stringifyJson({ file: path, ...outcome }));
      continue;
    }
    const state = outcome.tableExists
      ? outcome.evolves
        ? 'evolves the table'
        : 'fits the table'
      : 'creates the table';
    console.log(`${path} → ${outcome.table} (${state}): ${outcome.rows} rows, ${outcome.rejectedRows} rejected`);
    for (const f of outcome.schema.fields)
      console.log(`  ${f.name}: ${String(f.type)}${f.required ? ' (required)' : ''}`);
    if (outcome.error) {
      const { line, column, value, reason } = outcome.error;
      const where = [line === undefined ? '' : `line ${line}`, column === undefined ? '' : `column ${column}`]
        .filter(Boolean)
        .join(', ');
      console.log(
        `  ✘ ${where ? `${where}: ` : ''}${reason}${value === undefined ? '' : ` (value ${JSON.stringify(value)})`}`,
      );
    }
  }
  return failed > 0 ? 1 : 0;
}
