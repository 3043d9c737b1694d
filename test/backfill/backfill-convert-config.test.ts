import { describe, expect, it } from 'vitest';
import type { TableMetadata } from '../../lib/iceberg/types.js';
import { backfillConvertConfig } from '../../lib/ingest/backfill.js';
import { parseIngestConfig } from '../../lib/ingest/config.js';
import { committedIngestIds, encodeSummaryList, SUMMARY_INGEST_IDS } from '../../lib/ingest/ingest-ledger.js';

const config = parseIngestConfig({
  routes: [{ match: 'sales/**', table: 'sales.orders' }],
});

/** A table whose only snapshot (committed just now) holds ingest id `i1`. */
const metadata = {
  'current-snapshot-id': 1n,
  refs: { main: { 'snapshot-id': 1n, type: 'branch' } },
  snapshots: [
    {
      'snapshot-id': 1n,
      'timestamp-ms': Date.now(),
      summary: { operation: 'append', [SUMMARY_INGEST_IDS]: encodeSummaryList(['i1']) },
    },
  ],
  'snapshot-log': [],
} as unknown as TableMetadata;

describe('backfillConvertConfig', () => {
  it('keeps the live dedup for append', () => {
    expect(backfillConvertConfig(config, 'append')).toBe(config);
  });

  it('turns the live dedup off for replace-partitions (an unchanged file of a replaced partition must be converted again)', () => {
    const replace = backfillConvertConfig(config, 'replace-partitions');
    const windows = [replace.defaults, ...replace.routes.map((r) => r.settings)].map((s) => s.dedupWindowMs);
    expect(windows).toEqual([Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY]);
    // What convertObject asks: no committed id is inside that window, while the live window sees it.
    expect(committedIngestIds(metadata, config.defaults.dedupWindowMs).size).toBe(1);
    expect(committedIngestIds(metadata, replace.defaults.dedupWindowMs).size).toBe(0);
    // Everything else is the route's own settings, and the caller's config is not changed.
    expect(replace.routes[0]?.table).toEqual(config.routes[0]?.table);
    expect({ ...replace.defaults, dedupWindowMs: 0 }).toEqual({ ...config.defaults, dedupWindowMs: 0 });
    expect(config.defaults.dedupWindowMs).toBe(7 * 86_400_000);
  });
});
