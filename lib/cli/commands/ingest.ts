/**
 * `floe ingest <file…> --table ns.t [--catalog URI] [--config FILE] [--dry-run] [--json]`: the
 * convert and commit path on local files, committed as one snapshot (a one-shot append backfill,
 * so the same ingest ids and dedup apply: ingesting the same file twice adds it once).
 * `--select`/`--where` transform the rows; `--mode overwrite --partition k=v` replaces exactly
 * that partition (issue 17).
 */
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, relative, resolve } from 'node:path';
import { parseIdentifier, type TableIdentifier } from '../../catalog/catalog.js';
import { stringifyJson } from '../../iceberg/json.js';
import type { IcebergType } from '../../iceberg/types.js';
import { runBackfill } from '../../ingest/backfill.js';
import { type IngestConfig, loadIngestConfig } from '../../ingest/config.js';
import { dryRunObject } from '../../ingest/dry-run.js';
import { configWithTransform } from '../../ingest/route-transform.js';
import { parsePartitionAssignments, runStaticOverwrite } from '../../ingest/static-overwrite.js';
import { type CatalogConnection, connectCatalog } from '../../local/catalog-connection.js';
import { findConfigFile } from '../../local/config-file.js';
import { localBackfillContext, planLocalFiles, singleTableConfig } from '../../local/local-backfill.js';
import { LocalFileIO } from '../../storage/local.js';
import { parseCommandArgs } from '../args.js';

const usage = `usage: floe ingest <file...> --table ns.t [--dry-run] [--json] [--catalog URI | --dir .floe] [--config FILE]
       [--select SQL] [--where SQL] [--mode append|overwrite --partition name=value …]

--select/--where shape rows on the way in (docs/transforms.md); --mode overwrite replaces exactly
the named partition with the files' rows (a row outside it is an error).

--dry-run shows each file's schema (inferred, or aligned to the existing table), its row count and
any errors, and writes nothing. A rejected file exits 1 and prints its error report.`;

export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandArgs(
    'ingest',
    args,
    usage,
    {
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
    },
    ({ values, positionals }) => positionals.length > 0 && values.table !== undefined,
  );
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  const table = parseIdentifier(values.table as string);
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
  const listed = await Promise.all(
    positionals.map(async (p) => {
      const path = resolve(p);
      const s = await stat(path);
      return { path, size: s.size, lastModifiedMs: s.mtimeMs };
    }),
  );
  // An empty file has no rows to ingest: say so (it is not "already ingested").
  for (const f of listed.filter((f) => f.size === 0)) console.log(`${f.path}: empty file (0 bytes), skipped`);
  const files = listed.filter((f) => f.size > 0);
  if (files.length === 0) return 0;

  const connection = await connectCatalog({ catalog: values.catalog, dir: values.dir });
  try {
    if (values['dry-run']) return await dryRun(files, connection, table, config, values.json);
    const plan = await planLocalFiles(files);
    // Keys are relative to the files' common folder, so files from different folders all have one.
    const sourceRoot = commonFolder(files.map((f) => f.path));
    const result = partition
      ? await runStaticOverwrite(plan, localBackfillContext(connection, table, sourceRoot, config, 'replace-partitions'), {
          partition,
        })
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

/** The deepest folder holding every path (`/a/x.csv`, `/b/y.csv` → `/`). */
export function commonFolder(paths: string[]): string {
  let common = dirname(paths[0] ?? process.cwd());
  for (const path of paths) {
    while (common !== dirname(common) && relative(common, path).startsWith('..')) common = dirname(common);
  }
  return common;
}

/** An Iceberg type as text: `int`, `struct<a: int, t: timestamp>`, `list<string>`, `map<string, long>`. */
function typeText(type: IcebergType): string {
  if (typeof type === 'string') return type;
  if (type.type === 'struct') return `struct<${type.fields.map((f) => `${f.name}: ${typeText(f.type)}`).join(', ')}>`;
  if (type.type === 'list') return `list<${typeText(type.element)}>`;
  return `map<${typeText(type.key)}, ${typeText(type.value)}>`;
}

/** `--dry-run`: the same routing, alignment and conversion as a real ingest, writing nothing. */
async function dryRun(
  files: Array<{ path: string; size: number; lastModifiedMs: number }>,
  connection: CatalogConnection,
  table: TableIdentifier,
  config: IngestConfig | undefined,
  json: boolean,
): Promise<number> {
  const routes = singleTableConfig(table, config);
  const io = new LocalFileIO();
  let failed = 0;
  for (const { path, size, lastModifiedMs } of files) {
    const object = { bucket: 'local', key: basename(path), size, etag: 'dry-run', eventTime: lastModifiedMs };
    const outcome = await dryRunObject(object, () => io.readStream(path), routes, connection.catalog);
    if (outcome.status !== 'dry-run') {
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
      console.log(`  ${f.name}: ${typeText(f.type)}${f.required ? ' (required)' : ''}`);
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
