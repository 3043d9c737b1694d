/**
 * `floe maintain [table…]`: table maintenance that keeps exactly-once (issue 13): compact small
 * files, expire old snapshots (after writing their ingest ids to the durable ledger), rewrite
 * manifests when there are many small ones, remove orphan files. With no operation flag it runs
 * all of them with the defaults (keep ≥ 1 snapshot, expire those older than 5 days; orphans
 * older than 3 days); `--older-than` sets both the snapshot age and the orphan safety age. With
 * no table it maintains every table of the catalog.
 */
import { parseArgs } from 'node:util';
import { parseIdentifier } from '../../catalog/catalog.js';
import { stringifyJson } from '../../iceberg/json.js';
import { defaultIngestConfig, loadIngestConfig, settingsForTable } from '../../ingest/config.js';
import { parseDurationMs } from '../../ingest/duration.js';
import { IngestLedger } from '../../ingest/ingest-ledger.js';
import { catalogTables } from '../../ingest/maintain/catalog-tables.js';
import { type MaintainReport, type MaintenanceOperation, maintainTable } from '../../ingest/maintain/maintain-table.js';
import { connectCatalog } from '../../local/catalog-connection.js';
import { findConfigFile } from '../../local/config-file.js';
import { LocalFileIO } from '../../storage/local.js';

export const summary = 'compact small files, expire old snapshots, remove orphan files (keeps exactly-once)';

const usage = `usage: floe maintain [namespace.table …] [--catalog URI | --dir .floe]
       [--compact] [--expire] [--manifests] [--orphans]   (none: all of them)
       [--older-than DURATION]   snapshot age and orphan safety age (default 5d and 3d)
       [--retain-last N]         snapshots each branch keeps at least (default 1)
       [--ledger DIR]            durable ingest-id markers (default <dir>/ledger; none with --catalog)
       [--config FILE]           routes config whose maintenance: blocks apply (default: ./floe.config.* if present)
       [--dry-run] [--json]`;

export async function run(args: string[]): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(args);
  } catch (error) {
    console.error(`floe maintain: ${(error as Error).message}\n${usage}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const olderThanMs = values['older-than'] === undefined ? undefined : parseDurationMs(values['older-than']);
  if (values['older-than'] !== undefined && olderThanMs === undefined) {
    console.error(
      `floe maintain: --older-than "${values['older-than']}" is not a duration like 5d, 12h, 30m\n${usage}`,
    );
    return 2;
  }
  const retainLast = values['retain-last'] === undefined ? undefined : Number(values['retain-last']);
  if (retainLast !== undefined && !(Number.isInteger(retainLast) && retainLast >= 1)) {
    console.error(`floe maintain: --retain-last must be a whole number ≥ 1, not "${values['retain-last']}"`);
    return 2;
  }
  const chosen: MaintenanceOperation[] = [];
  if (values.compact) chosen.push('compact');
  if (values.expire) chosen.push('expire');
  if (values.manifests) chosen.push('manifests');
  if (values.orphans) chosen.push('orphans');

  const configPath = values.config ?? (await findConfigFile(process.cwd()));
  const config = configPath ? await loadIngestConfig(configPath) : defaultIngestConfig();
  const connection = await connectCatalog({ catalog: values.catalog, dir: values.dir });
  try {
    const local = new LocalFileIO();
    const ledgerDir = values.ledger ?? (values.catalog ? undefined : connection.home.ledger);
    const tables = positionals.length > 0 ? positionals.map(parseIdentifier) : await catalogTables(connection.catalog);
    const reports: MaintainReport[] = [];
    for (const id of tables) {
      const report = await maintainTable(
        id,
        {
          catalog: connection.catalog,
          tableIo: (t) => connection.ioFor(t),
          ledger: ledgerDir ? new IngestLedger(local, ledgerDir) : undefined,
          dryRun: values['dry-run'],
        },
        {
          operations: chosen.length > 0 ? chosen : undefined,
          expiry: { maxSnapshotAgeMs: olderThanMs, minSnapshotsToKeep: retainLast },
          orphanAgeMs: olderThanMs,
          route: settingsForTable(config, id).maintenance,
        },
      );
      reports.push(report);
      if (values.json) console.log(stringifyJson(report));
      else console.log(describe(report, values['dry-run']));
    }
    return reports.some((r) => r.failures.length > 0) ? 1 : 0;
  } finally {
    await connection.close();
  }
}

function parse(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    options: {
      catalog: { type: 'string' },
      dir: { type: 'string', default: '.floe' },
      compact: { type: 'boolean', default: false },
      expire: { type: 'boolean', default: false },
      manifests: { type: 'boolean', default: false },
      orphans: { type: 'boolean', default: false },
      'older-than': { type: 'string' },
      'retain-last': { type: 'string' },
      ledger: { type: 'string' },
      config: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
}

/** One line per operation, for people. */
function describe(report: MaintainReport, dryRun: boolean): string {
  const lines = [`${report.table}${dryRun ? ' (dry run: nothing changed)' : ''}`];
  if (report.skipped) lines.push(`  skipped: ${report.skipped}`);
  for (const r of report.reports) {
    if (r.operation === 'compact') {
      const done = r.groups.filter((g) => g.outcome !== 'conflict');
      const inFiles = done.reduce((n, g) => n + g.inputFiles, 0);
      const outFiles = done.reduce((n, g) => n + g.outputFiles, 0);
      const conflicts = r.groups.length - done.length;
      lines.push(
        `  compact:   ${inFiles} small file(s) → ${outFiles} in ${done.length} group(s)` +
          (conflicts ? `, ${conflicts} group(s) abandoned (changed meanwhile)` : '') +
          (r.skippedWithDeletes.length ? `, ${r.skippedWithDeletes.length} partition(s) skipped (delete files)` : '') +
          (r.skippedV3 ? ', skipped (format v3 row lineage)' : ''),
      );
    } else if (r.operation === 'expire') {
      lines.push(
        `  expire:    ${r.expiredSnapshots} snapshot(s) expired, ${r.retainedSnapshots} kept, ${r.deletedFiles} file(s) deleted, ${r.ledgerMarkers} ingest id(s) kept in the ledger`,
      );
    } else if (r.operation === 'manifests') {
      lines.push(
        r.manifestsAfter > 0
          ? `  manifests: ${r.manifestsBefore} → ${r.manifestsAfter}`
          : '  manifests: nothing to rewrite',
      );
    } else {
      lines.push(
        `  orphans:   ${r.orphans.length} orphan file(s) ${dryRun ? 'found' : 'deleted'}, ${r.tooYoung} unreferenced but younger than the safety age`,
      );
    }
  }
  for (const f of report.failures) lines.push(`  ✘ ${f.operation}: ${f.error}`);
  return lines.join('\n');
}
