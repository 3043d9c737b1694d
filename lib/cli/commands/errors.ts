/**
 * `floe errors [--dir .floe] [--json]`: the files that could not be ingested (or only partly),
 * newest first, from the load history table (`floe.ingest_history`, issue #14) with line, column,
 * value and report location; without a history table yet, from the error reports themselves.
 */
import type { ErrorReport } from '../../ingest/error-report.js';
import { connectCatalog } from '../../local/catalog-connection.js';
import { floeHome, readDevState } from '../../local/floe-home.js';
import { readHistory } from '../../local/history-reader.js';
import { storageFor } from '../../local/storage-location.js';
import { formatRows } from '../../local/tabular-output.js';
import { parseCommandArgs } from '../args.js';

const usage = `usage: floe errors [--dir .floe] [--catalog URI] [--json] [--reports]

Lists rejected and partial files from the load history table; with --reports (or before the
history table exists), lists <dir>/errors/**/*.error.json (or the errors location of the running
\`floe dev\`).`;

export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandArgs(
    'errors',
    args,
    usage,
    {
      dir: { type: 'string', default: '.floe' },
      json: { type: 'boolean', default: false },
      reports: { type: 'boolean', default: false },
      catalog: { type: 'string' },
      'history-table': { type: 'string' },
    },
    ({ positionals }) => positionals.length === 0,
  );
  if (typeof parsed === 'number') return parsed;
  const { values } = parsed;
  if (!values.reports) {
    const connection = await connectCatalog({ catalog: values.catalog, dir: values.dir });
    try {
      const rows = await readHistory(connection, {
        outcomes: ['rejected', 'partial'],
        historyTable: values['history-table'],
      });
      if (rows) {
        if (values.json) {
          if (rows.length > 0) console.log(formatRows(rows, HISTORY_KEYS, 'json'));
          return 0;
        }
        if (rows.length === 0) {
          console.log('no rejected files in the load history');
          return 0;
        }
        const text = rows.map((r) => ({
          at: r.recorded_at,
          key: r.key,
          table: r.target_table ?? '',
          outcome: r.outcome,
          where: where(r.line as number | null, r.column as string | null),
          reason:
            r.value !== null && r.value !== undefined ? `${r.reason} (value ${JSON.stringify(r.value)})` : r.reason,
          report: r.error_report,
        }));
        console.log(formatRows(text, ['at', 'key', 'table', 'outcome', 'where', 'reason', 'report'], 'table'));
        return 0;
      }
    } finally {
      await connection.close();
    }
  }
  const home = floeHome(values.dir);
  const dev = await readDevState(home);
  const location = dev?.errors ?? home.errors;
  const io = storageFor(location, dev?.s3Endpoint);
  const reports: ErrorReport[] = [];
  for await (const file of io.list(location.endsWith('/') ? location : `${location}/`)) {
    if (!file.path.endsWith('.error.json')) continue;
    try {
      reports.push(JSON.parse(new TextDecoder().decode(await io.read(file.path))) as ErrorReport);
    } catch {
      // A report being written concurrently is picked up next time.
    }
  }
  reports.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
  if (values.json) {
    if (reports.length > 0)
      console.log(formatRows(reports as unknown as Record<string, unknown>[], REPORT_KEYS, 'json'));
    return 0;
  }
  if (reports.length === 0) {
    console.log(`no error reports under ${location}`);
    return 0;
  }
  const rows = reports.map((r) => ({
    at: r.at,
    key: r.key,
    table: r.table ?? '',
    outcome: r.outcome,
    where: where(r.line, r.column),
    reason: r.value !== undefined ? `${r.reason} (value ${JSON.stringify(r.value)})` : r.reason,
  }));
  console.log(formatRows(rows, ['at', 'key', 'table', 'outcome', 'where', 'reason'], 'table'));
  return 0;
}

const REPORT_KEYS = [
  'at',
  'object',
  'key',
  'table',
  'ingestId',
  'outcome',
  'error',
  'reason',
  'line',
  'column',
  'value',
  'rejectedRowCount',
  'rejectedRowsFile',
];

const HISTORY_KEYS = [
  'recorded_at',
  'bucket',
  'key',
  'target_table',
  'ingest_id',
  'outcome',
  'error_class',
  'reason',
  'line',
  'column',
  'value',
  'rejected_rows',
  'error_report',
];

function where(line: number | null | undefined, column: string | number | null | undefined): string {
  return [
    line !== undefined && line !== null ? `line ${line}` : '',
    column !== undefined && column !== null ? `column ${column}` : '',
  ]
    .filter(Boolean)
    .join(', ');
}
