/**
 * The commit trigger's decision (issue #13: "an automatic trigger after commit when a partition
 * holds more than N small files"): the pure threshold rule, the table property, and PlanTables of
 * a commit-triggered run on a real table in the embedded catalog.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_SMALL_FILE_THRESHOLD,
  partitionsOverThreshold,
  smallFileThreshold,
} from '../../lib/ingest/maintain/compaction-trigger.js';
import { planTriggeredTablesStep } from '../../lib/ingest/maintain/maintain-steps.js';
import type { TableMetadata } from '../../lib/iceberg/types.js';
import { type Kit, startKit } from './maintain-kit.js';

describe('partitionsOverThreshold', () => {
  it('picks only partitions with more than N small files', () => {
    const counts = new Map([
      ['0|a', 50],
      ['0|b', 51],
      ['0|c', 3],
    ]);
    expect(partitionsOverThreshold(counts, 50)).toEqual(['0|b']);
    expect(partitionsOverThreshold(counts, 2)).toEqual(['0|a', '0|b', '0|c']);
    expect(partitionsOverThreshold(new Map(), 0)).toEqual([]);
  });

  it('reads floe.maintenance.small-file-threshold, ignoring bad values', () => {
    const meta = (properties: Record<string, string>) => ({ properties }) as unknown as TableMetadata;
    expect(smallFileThreshold(meta({}))).toBe(DEFAULT_SMALL_FILE_THRESHOLD);
    expect(DEFAULT_SMALL_FILE_THRESHOLD).toBe(50);
    expect(smallFileThreshold(meta({ 'floe.maintenance.small-file-threshold': '7' }))).toBe(7);
    expect(smallFileThreshold(meta({ 'floe.maintenance.small-file-threshold': 'x' }), 9)).toBe(9);
    expect(smallFileThreshold(meta({ 'floe.maintenance.small-file-threshold': '-1' }), 9)).toBe(9);
  });
});

describe('PlanTables of a commit-triggered run', () => {
  let kit: Kit;
  beforeEach(async () => {
    kit = await startKit();
  });
  afterEach(async () => kit.close());

  it('keeps the table only once a partition holds more than the threshold', async () => {
    const input = { tables: ['db.events'], trigger: 'commit' };
    for (let i = 0; i < 3; i++) await kit.land(`a${i}.csv`, [[i, '2026-01-01']]);
    await kit.land('b0.csv', [[9, '2026-01-02']]);
    expect(await planTriggeredTablesStep(kit.context(), input, { smallFileThreshold: 3 })).toEqual({
      tables: [],
      skipped: ['db.events'],
    });
    await kit.land('a3.csv', [[3, '2026-01-01']]);
    expect(await planTriggeredTablesStep(kit.context(), input, { smallFileThreshold: 3 })).toEqual({
      tables: [{ table: 'db.events' }],
      skipped: [],
    });
    // The table property wins over the deployment-wide setting.
    await kit.env.catalog.commitTable(kit.id, {
      requirements: [],
      updates: [{ action: 'set-properties', updates: { 'floe.maintenance.small-file-threshold': '10' } }],
    });
    expect((await planTriggeredTablesStep(kit.context(), input, { smallFileThreshold: 3 })).tables).toEqual([]);
    // A scheduled run (no trigger) plans the table regardless.
    expect(await planTriggeredTablesStep(kit.context(), { tables: ['db.events'] })).toEqual({
      tables: [{ table: 'db.events' }],
    });
  });
});
