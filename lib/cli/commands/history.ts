/**
 * `floe history [<namespace.table>] [--outcome O] [--json] [--limit N]`: the load history, one
 * row per landed object and outcome, newest first, read from the `floe.ingest_history` Iceberg
 * table (issue #14; the same rows any engine reads through the catalog). `--snapshots` (or a
 * stack without a history table yet) lists the table's snapshots instead, with the landed
 * objects behind each snapshot's ingest ids (invariant 1).
 */
import { parseIdentifier } from '../../catalog/catalog.js';
import type { Snapshot } from '../../iceberg/types.js';
import type { HistoryOutcome } from '../../ingest/history-row.js';
import { type CatalogConnection, connectCatalog } from '../../local/catalog-connection.js';
import { readHistory } from '../../local/history-reader.js';
import { snapshotSources } from '../../local/snapshot-sources.js';
import { formatRows } from '../../local/tabular-output.js';
import { parseCommandArgs } from '../args.js';

const usage = `usage: floe history [<namespace.table>] [--outcome committed|duplicate|rejected|partial|skipped]
                    [--limit N] [--json] [--snapshots] [--history-table floe.ingest_history]
                    [--catalog URI | --dir .floe]`;

const HISTORY_COLUMNS = [
  'recorded_at',
  'key',
  'target_table',
  'outcome',
  'rows',
  'latency_ms',
  'snapshot_id',
  'reason',
];
const HISTORY_JSON_COLUMNS = [
  'recorded_at',
  'landed_at',
  'committed_at',
  'latency_ms',
  'bucket',
  'key',
  'version_id',
  'etag',
  'ingest_id',
  'target_table',
  'outcome',
  'rows',
  'bytes',
  'rejected_rows',
  'snapshot_id',
  'error_class',
  'reason',
  'line',
  'column',
  'value',
  'error_report',
];

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
      outcome: { type: 'string', multiple: true },
      snapshots: { type: 'boolean', default: false },
      'history-table': { type: 'string' },
    },
    ({ positionals, values }) => positionals.length <= 1 && (!values.snapshots || positionals.length === 1),
  );
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  const connection = await connectCatalog({ catalog: values.catalog, dir: values.dir });
  try {
    if (!values.snapshots) {
      const rows = await readHistory(connection, {
        table: positionals[0],
        outcomes: values.outcome as HistoryOutcome[] | undefined,
        limit: Number(values.limit) || undefined,
        historyTable: values['history-table'],
      });
      if (rows) {
        if (values.json) {
          if (rows.length > 0) console.log(formatRows(rows, HISTORY_JSON_COLUMNS, 'json'));
        } else console.log(rows.length > 0 ? formatRows(rows, HISTORY_COLUMNS, 'table') : 'no history rows');
        return 0;
      }
      if (positionals.length === 0) {
        console.log('no load history yet (the history table is created with the first ingested file)');
        return 0;
      }
    }
    return await listSnapshots(connection, positionals[0] as string, values.limit, values.json);
  } finally {
    await connection.close();
  }
}

async function listSnapshots(
  connection: CatalogConnection,
  table: string,
  limitText: string,
  json: boolean,
): Promise<number> {
  const loaded = await connection.catalog.loadTable(parseIdentifier(table));
  const m = loaded.metadata;
  const snapshots = [...m.snapshots].sort((a, b) => b['timestamp-ms'] - a['timestamp-ms']);
  const limit = Number(limitText) || snapshots.length;
  const rows = snapshots.slice(0, limit).map((s) => historyRow(s, s['snapshot-id'] === m['current-snapshot-id']));
  if (json) {
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
