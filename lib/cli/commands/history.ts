/**
 * `floe history <table> [--json] [--limit N]`: the table's snapshots, newest first, with their
 * operation, added files and rows, and the landed objects (source keys) behind each snapshot's
 * ingest ids, read from the snapshot summary that the commit step writes (invariant 1).
 */
import { parseIdentifier } from '../../catalog/catalog.js';
import type { Snapshot } from '../../iceberg/types.js';
import { connectCatalog } from '../../local/catalog-connection.js';
import { snapshotSources } from '../../local/snapshot-sources.js';
import { formatRows } from '../../local/tabular-output.js';
import { parseCommandArgs } from '../args.js';

const usage = `usage: floe history <namespace.table> [--limit N] [--json] [--catalog URI | --dir .floe]`;

export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandArgs(
    'history',
    args,
    usage,
    {
      catalog: { type: 'string' },
      dir: { type: 'string', default: '.floe' },
      limit: { type: 'string', default: '50' },
      json: { type: 'boolean', default: false },
    },
    ({ positionals }) => positionals.length === 1,
  );
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  const connection = await connectCatalog({ catalog: values.catalog, dir: values.dir });
  try {
    const loaded = await connection.catalog.loadTable(parseIdentifier(positionals[0] as string));
    const m = loaded.metadata;
    const snapshots = [...m.snapshots].sort((a, b) => b['timestamp-ms'] - a['timestamp-ms']);
    const limit = Number(values.limit) || snapshots.length;
    const rows = snapshots.slice(0, limit).map((s) => historyRow(s, s['snapshot-id'] === m['current-snapshot-id']));
    if (values.json) {
      if (rows.length > 0) console.log(formatRows(rows, JSON_COLUMNS, 'json'));
      return 0;
    }
    if (rows.length === 0) {
      console.log('no snapshots');
      return 0;
    }
    const text = rows.map((r) => ({
      ...r,
      current: r.current ? '*' : '',
      sources: (r.sources as string[]).join(' '),
    }));
    console.log(formatRows(text, TABLE_COLUMNS, 'table'));
    return 0;
  } finally {
    await connection.close();
  }
}

const TABLE_COLUMNS = [
  'current',
  'snapshot_id',
  'committed_at',
  'operation',
  'added_files',
  'added_rows',
  'deleted_files',
  'sources',
];
const JSON_COLUMNS = [
  'snapshot_id',
  'parent_id',
  'current',
  'committed_at',
  'operation',
  'added_files',
  'added_rows',
  'deleted_files',
  'deleted_rows',
  'ingest_ids',
  'sources',
  'summary',
];

function historyRow(s: Snapshot, current: boolean): Record<string, unknown> {
  const sources = snapshotSources(s);
  return {
    snapshot_id: s['snapshot-id'],
    parent_id: s['parent-snapshot-id'] ?? null,
    current,
    committed_at: new Date(s['timestamp-ms']).toISOString(),
    operation: s.summary.operation,
    added_files: Number(s.summary['added-data-files'] ?? 0),
    added_rows: Number(s.summary['added-records'] ?? 0),
    deleted_files: Number(s.summary['deleted-data-files'] ?? 0),
    deleted_rows: Number(s.summary['deleted-records'] ?? 0),
    ingest_ids: sources.map((x) => x.ingestId),
    sources: sources.map((x) => x.key ?? x.ingestId),
    summary: s.summary,
  };
}
