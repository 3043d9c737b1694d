/**
 * Reads the load history table (`floe.ingest_history`, lib/ingest/history-table.ts) for
 * `floe history` and `floe errors`, through the catalog and the table's own storage (vended
 * credentials, so `--s3-endpoint` stacks work too).
 */
import { parseIdentifier } from '../catalog/catalog.js';
import { NoSuchNamespaceError, NoSuchTableError } from '../catalog/errors.js';
import type { HistoryOutcome } from '../ingest/history-row.js';
import { DEFAULT_HISTORY_TABLE } from '../ingest/history-table.js';
import type { CatalogConnection } from './catalog-connection.js';
import { scanTable } from './table-scan.js';

export interface HistoryQuery {
  /** Only rows of this target table (`ns.table`). */
  table?: string;
  outcomes?: HistoryOutcome[];
  limit?: number;
  /** @default DEFAULT_HISTORY_TABLE */
  historyTable?: string;
}

/** History rows, newest first, with timestamps as ISO strings; undefined when there is no history table yet. */
export async function readHistory(
  connection: CatalogConnection,
  query: HistoryQuery = {},
): Promise<Record<string, unknown>[] | undefined> {
  let loaded: Awaited<ReturnType<CatalogConnection['catalog']['loadTable']>>;
  try {
    loaded = await connection.catalog.loadTable(parseIdentifier(query.historyTable ?? DEFAULT_HISTORY_TABLE));
  } catch (error) {
    if (error instanceof NoSuchTableError || error instanceof NoSuchNamespaceError) return undefined;
    throw error;
  }
  const { rows } = await scanTable(connection.ioFor(loaded), loaded.metadata, {
    where: query.table ? [`target_table=${query.table}`] : [],
  });
  const wanted = query.outcomes ? new Set<string>(query.outcomes) : undefined;
  const shown = rows
    .filter((r) => !wanted || wanted.has(String(r.outcome)))
    .map((r) => ({
      ...r,
      landed_at: isoTime(r.landed_at),
      committed_at: isoTime(r.committed_at),
      recorded_at: isoTime(r.recorded_at),
    }))
    .sort((a, b) => String(b.recorded_at).localeCompare(String(a.recorded_at)));
  return shown.slice(0, query.limit ?? shown.length);
}

/** A timestamptz cell as ISO-8601 (Arrow gives epoch ms, µs as bigint, or a Date). */
function isoTime(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'bigint') return new Date(Number(value / 1000n)).toISOString();
  if (typeof value === 'number') return new Date(value > 1e14 ? value / 1000 : value).toISOString();
  return String(value);
}
