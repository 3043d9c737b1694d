/**
 * `floe tables [--catalog URI | --dir .floe] [--json]`: lists the catalog's tables with their
 * current snapshot, row and file counts (from the snapshot summary, no manifest reads).
 */
import { formatIdentifier } from '../../catalog/catalog.js';
import { connectCatalog, listAllTables } from '../../local/catalog-connection.js';
import { formatRows } from '../../local/tabular-output.js';
import { parseCommandArgs } from '../args.js';

const usage = `usage: floe tables [--catalog URI | --dir .floe] [--json]`;

export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandArgs(
    'tables',
    args,
    usage,
    {
      catalog: { type: 'string' },
      dir: { type: 'string', default: '.floe' },
      json: { type: 'boolean', default: false },
    },
    ({ positionals }) => positionals.length === 0,
  );
  if (typeof parsed === 'number') return parsed;
  const { values } = parsed;
  const connection = await connectCatalog({ catalog: values.catalog, dir: values.dir });
  try {
    const rows: Record<string, unknown>[] = [];
    for (const id of await listAllTables(connection.catalog)) {
      const loaded = await connection.catalog.loadTable(id);
      const m = loaded.metadata;
      const current = m.snapshots.find((s) => s['snapshot-id'] === m['current-snapshot-id']);
      rows.push({
        table: formatIdentifier(id),
        snapshots: m.snapshots.length,
        current_snapshot: m['current-snapshot-id'] ?? null,
        // Counts are numbers like the snapshot id (exact 64-bit integers), not summary strings.
        records: BigInt(current?.summary['total-records'] ?? '0'),
        data_files: BigInt(current?.summary['total-data-files'] ?? '0'),
        updated: new Date(m['last-updated-ms']).toISOString(),
        location: m.location,
      });
    }
    const columns = ['table', 'snapshots', 'current_snapshot', 'records', 'data_files', 'updated', 'location'];
    if (values.json) {
      if (rows.length > 0) console.log(formatRows(rows, columns, 'json'));
    } else if (rows.length === 0) {
      console.log(`no tables (catalog ${connection.uri})`);
    } else {
      console.log(formatRows(rows, columns, 'table'));
    }
    return 0;
  } finally {
    await connection.close();
  }
}
