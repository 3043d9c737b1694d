/**
 * `floe scan <table> [--limit N] [--where col=value]… [--snapshot ID] [--json|--csv]`: reads a
 * table the way an engine does: the manifest list and manifests of the snapshot, pruning data
 * files by partition value, then the Parquet data files (parquet-wasm), filtering rows.
 */
import { parseIdentifier } from '../../catalog/catalog.js';
import { connectCatalog } from '../../local/catalog-connection.js';
import { scanTable } from '../../local/table-scan.js';
import type { OutputFormat } from '../../local/tabular-output.js';
import { formatRows } from '../../local/tabular-output.js';
import { parseCommandArgs } from '../args.js';

const usage = `usage: floe scan <namespace.table> [--limit N] [--where col=value]... [--snapshot ID] [--json|--csv]
       [--catalog URI | --dir .floe]

--where may repeat (all must hold); values are compared in the column's type, and files are
pruned by partition value first. --limit defaults to 100 (0 = all rows).`;

export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandArgs(
    'scan',
    args,
    usage,
    {
      catalog: { type: 'string' },
      dir: { type: 'string', default: '.floe' },
      limit: { type: 'string', default: '100' },
      where: { type: 'string', multiple: true, default: [] },
      snapshot: { type: 'string' },
      json: { type: 'boolean', default: false },
      csv: { type: 'boolean', default: false },
    },
    ({ positionals }) => positionals.length === 1,
  );
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  const limit = Number(values.limit);
  if (!Number.isInteger(limit) || limit < 0) {
    console.error(`floe scan: --limit must be a non-negative integer, got ${values.limit}`);
    return 2;
  }
  const format: OutputFormat = values.json ? 'json' : values.csv ? 'csv' : 'table';
  const connection = await connectCatalog({ catalog: values.catalog, dir: values.dir });
  try {
    const loaded = await connection.catalog.loadTable(parseIdentifier(positionals[0] as string));
    const result = await scanTable(connection.ioFor(loaded), loaded.metadata, {
      where: values.where,
      limit: limit === 0 ? undefined : limit,
      snapshotId: values.snapshot === undefined ? undefined : BigInt(values.snapshot),
    });
    if (format === 'table') {
      console.log(formatRows(result.rows, result.columns, 'table'));
      console.error(
        `${result.rows.length} row(s); read ${result.filesRead} of ${result.filesTotal} data file(s) (${result.filesTotal - result.filesPruned} after pruning)`,
      );
    } else if (format === 'csv' || result.rows.length > 0) {
      console.log(formatRows(result.rows, result.columns, format));
    }
    return 0;
  } finally {
    await connection.close();
  }
}
