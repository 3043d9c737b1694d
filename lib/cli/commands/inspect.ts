/**
 * `floe inspect <table-dir | metadata.json> [--snapshot ID] [--json]`: prints a table's format
 * version, schema, partition specs, snapshots and the live data files of a snapshot.
 */
import { parseArgs } from 'node:util';
import { stringifyJson } from '../../iceberg/json.js';
import { describeSchema, type InspectReport, inspectTable } from '../../local/inspect.js';

const USAGE = `usage: floe inspect <table-dir | metadata.json> [--snapshot ID] [--json]

  --snapshot ID  list the files of this snapshot instead of the current one
  --json         print the report as JSON (see docs/inspect.md)`;

/** Runs the command; returns the exit code (0 ok, 1 table or files unreadable, 2 usage). */
export async function run(args: string[]): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(args);
  } catch (error) {
    console.error(`floe inspect: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (parsed.values.help) {
    console.log(USAGE);
    return 0;
  }
  const [path] = parsed.positionals;
  if (!path || parsed.positionals.length > 1) {
    console.error(USAGE);
    return 2;
  }
  let snapshotId: bigint | undefined;
  if (parsed.values.snapshot !== undefined) {
    if (!/^-?\d+$/.test(parsed.values.snapshot)) {
      console.error(`floe inspect: --snapshot must be a snapshot id, got "${parsed.values.snapshot}"`);
      return 2;
    }
    snapshotId = BigInt(parsed.values.snapshot);
  }
  let report: InspectReport;
  try {
    report = await inspectTable(path, { snapshotId });
  } catch (error) {
    console.error(`floe inspect: ${(error as Error).message}`);
    return 1;
  }
  console.log(parsed.values.json ? stringifyJson(report, 2) : renderText(report));
  if (report.files?.error) {
    console.error(`floe inspect: cannot read the files of snapshot ${report.files.snapshotId}: ${report.files.error}`);
    return 1;
  }
  return 0;
}

function parse(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    options: {
      snapshot: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
}

/** The human-readable rendering of a report. */
export function renderText(r: InspectReport): string {
  const out: string[] = [];
  out.push(`table      ${r.location}`);
  out.push(`metadata   ${r.metadataFile}`);
  out.push(
    `format     v${r.formatVersion}   uuid ${r.tableUuid ?? '-'}   last-sequence-number ${r.lastSequenceNumber}`,
  );
  out.push('');
  out.push(`schema ${r.currentSchemaId} (of ${r.schemaIds.length})`);
  out.push(...describeSchema(r.schema.fields, '  '));
  out.push('');
  out.push(`partition specs (default ${r.defaultSpecId})`);
  for (const spec of r.partitionSpecs) {
    const fields = spec.fields.map((f) => `${f.name}=${f.transform}(${f.sourceName ?? `#${f.sourceId}`})`).join(', ');
    out.push(`  ${spec.specId}: ${fields || 'unpartitioned'}`);
  }
  out.push('');
  out.push(`snapshots (${r.snapshots.length})`);
  for (const s of r.snapshots) {
    const added = s.summary['added-records'] ?? '?';
    const total = s.summary['total-records'] ?? '?';
    out.push(
      `  ${s.current ? '*' : ' '} ${s.snapshotId}  ${s.timestamp}  ${(s.operation ?? '-').padEnd(9)} +${added} rows, ${total} total`,
    );
  }
  if (r.files) {
    const f = r.files;
    out.push('');
    out.push(`live data files of snapshot ${f.snapshotId} (${f.manifests} manifests)`);
    if (f.error) out.push(`  error: ${f.error}`);
    for (const file of f.dataFiles) {
      const partition = Object.entries(file.partition)
        .map(([k, v]) => `${k}=${v ?? 'null'}`)
        .join('/');
      out.push(
        `  ${String(file.recordCount).padStart(8)} rows ${String(file.fileSizeInBytes).padStart(10)} B  ${partition ? `${partition}  ` : ''}${file.path}`,
      );
    }
    out.push(
      `  total: ${f.totals.dataFiles} files, ${f.totals.records} rows, ${f.totals.fileSizeInBytes} bytes; ${f.totals.deleteFiles} delete files`,
    );
  }
  return out.join('\n');
}
