/**
 * The steps the AWS maintenance state machine runs, with the JSON the state machine passes:
 * plan tables, plan compaction (groups by file path, small payloads), compact one group (files
 * looked up again: a group whose file went meanwhile is a conflict), expire and clean.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  compactGroupStep,
  expireAndCleanStep,
  MaintenanceStepInputError,
  planCompactionStep,
  planTablesStep,
} from '../../lib/ingest/maintain/maintain-steps.js';
import { countsBySource, icebirdCounts, type Kit, startKit } from './maintain-kit.js';

describe('maintenance state machine steps', () => {
  let kit: Kit;
  beforeEach(async () => {
    kit = await startKit({ 'floe.maintenance.compact.min-input-files': '2' });
  });
  afterEach(async () => kit.close());

  it('plans, compacts each group, then expires and cleans; JSON in, JSON out', async () => {
    for (let i = 0; i < 3; i++) await kit.land(`a${i}.csv`, [[i, '2026-01-01']]);
    for (let i = 0; i < 2; i++) await kit.land(`b${i}.csv`, [[i, '2026-01-02']]);
    const before = await countsBySource(kit.env.catalog, kit.env.io, kit.id);

    expect(await planTablesStep(kit.env.catalog, {})).toEqual({ tables: [{ table: 'db.events' }] });
    expect(await planTablesStep(kit.env.catalog, { tables: ['x.y'] })).toEqual({ tables: [{ table: 'x.y' }] });
    await expect(planTablesStep(kit.env.catalog, { tables: 'db.events' })).rejects.toBeInstanceOf(
      MaintenanceStepInputError,
    );

    const plan = await planCompactionStep(kit.context(), JSON.parse(JSON.stringify({ table: 'db.events' })));
    expect(plan.groups.map((g) => g.files.length).sort()).toEqual([2, 3]);
    const payload = JSON.parse(JSON.stringify(plan)); // what Step Functions hands the Map items
    const outcomes = [];
    for (const group of payload.groups) outcomes.push(await compactGroupStep(kit.context(), group));
    expect(outcomes.map((o) => o.outcome)).toEqual(['committed', 'committed']);
    // A replay of a group whose files are gone (already compacted) is a conflict, not a double rewrite.
    expect((await compactGroupStep(kit.context(), payload.groups[0])).outcome).toBe('conflict');

    kit.clock.now += 1;
    const cleaned = await expireAndCleanStep(
      kit.context(),
      { table: 'db.events' },
      { expiry: { maxSnapshotAgeMs: 0 } },
    );
    expect(cleaned.expire.retainedSnapshots).toBe(1);
    expect(cleaned.expire.ledgerMarkers).toBe(5);
    expect(JSON.parse(JSON.stringify(cleaned)).table).toBe('db.events');
    expect(await countsBySource(kit.env.catalog, kit.env.io, kit.id)).toEqual(before);
    expect(await icebirdCounts(await kit.load())).toEqual(before);
  });
});
