/**
 * `floe errors [--dir .floe] [--json]`: lists the error reports of rejected files, newest first.
 */
import type { ErrorReport } from '../../ingest/error-report.js';
import { floeHome, readDevState } from '../../local/floe-home.js';
import { storageFor } from '../../local/storage-location.js';
import { formatRows } from '../../local/tabular-output.js';
import { parseCommandArgs } from '../args.js';

const usage = `usage: floe errors [--dir .floe] [--json]

Lists <dir>/errors/**/*.error.json (or the errors location of the running \`floe dev\`).`;

export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandArgs(
    'errors',
    args,
    usage,
    {
      dir: { type: 'string', default: '.floe' },
      json: { type: 'boolean', default: false },
    },
    ({ positionals }) => positionals.length === 0,
  );
  if (typeof parsed === 'number') return parsed;
  const { values } = parsed;
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
    where: [r.line !== undefined ? `line ${r.line}` : '', r.column !== undefined ? `column ${r.column}` : '']
      .filter(Boolean)
      .join(', '),
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
