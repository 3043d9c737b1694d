/** `floe dev`'s scheduled maintenance: passes run on the timer, never overlap, and stop cleanly. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MaintainReport } from '../../lib/ingest/maintain/maintain-table.js';
import { startMaintenanceSchedule } from '../../lib/local/maintenance-schedule.js';
import { countsBySource, type Kit, startKit } from './maintain-kit.js';

describe('maintenance schedule', () => {
  let kit: Kit;
  beforeEach(async () => {
    kit = await startKit({ 'floe.maintenance.compact.min-input-files': '2' });
  });
  afterEach(async () => kit.close());

  it('maintains every table on the timer; runNow joins a pass in progress', async () => {
    for (let i = 0; i < 3; i++) await kit.land(`a${i}.csv`, [[i, '2026-01-01']]);
    const reports: MaintainReport[] = [];
    let first: () => void = () => {};
    const ran = new Promise<void>((resolve) => {
      first = resolve;
    });
    const schedule = startMaintenanceSchedule({
      catalog: kit.env.catalog,
      tableIo: () => kit.env.io,
      ledger: kit.ledger,
      everyMs: 20,
      onReport: (r) => {
        reports.push(r);
        first();
      },
    });
    await ran;
    const [a, b] = [schedule.runNow(), schedule.runNow()];
    expect(a).toBe(b);
    await a;
    await schedule.stop();
    const settled = reports.length;
    await new Promise((r) => setTimeout(r, 60));
    expect(reports.length).toBe(settled); // stopped: no more passes
    expect(reports[0]?.table).toBe('db.events');
    expect(reports[0]?.failures).toEqual([]);
    const compact = reports[0]?.reports.find((r) => r.operation === 'compact');
    expect(compact && 'groups' in compact ? compact.groups[0]?.inputFiles : 0).toBe(3);
    expect(await countsBySource(kit.env.catalog, kit.env.io, kit.id)).toEqual({
      'a0.csv': 1,
      'a1.csv': 1,
      'a2.csv': 1,
    });
  });
});
