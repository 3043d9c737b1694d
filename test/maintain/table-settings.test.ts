/**
 * Per-table maintenance settings (issue #13): the routes config's `maintenance:` block (defaults,
 * then the route, field by field) parsed, and merged under the table's properties.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, parseIngestConfig, settingsForTable } from '../../lib/ingest/config.js';
import { maintainTable } from '../../lib/ingest/maintain/maintain-table.js';
import { tableMaintenanceSettings } from '../../lib/ingest/maintain/table-settings.js';
import { type Kit, startKit } from './maintain-kit.js';

const DAY = 86_400_000;

describe('maintenance block of the routes config', () => {
  const config = parseIngestConfig({
    defaults: { maintenance: { snapshot_max_age: '2d', retain_last: 3, small_file_threshold: 20 } },
    routes: [
      {
        prefix: 'orders/',
        table: 'sales.orders',
        maintenance: { target_file_size: '64MB', orphan_age: '5d', small_file_threshold: 8 },
      },
      { prefix: 'audit/', table: 'ops.audit', maintenance: { enabled: false } },
      { prefix: 'other/', table: 'ops.other' },
    ],
  });

  it('parses sizes and durations, and a route inherits unset fields from defaults', () => {
    const orders = settingsForTable(config, { namespace: ['sales'], name: 'orders' }).maintenance;
    expect(orders).toEqual({
      snapshotMaxAgeMs: 2 * DAY,
      retainLast: 3,
      smallFileThreshold: 8,
      targetFileSizeBytes: 64_000_000, // MB is decimal in floe sizes
      orphanAgeMs: 5 * DAY,
    });
    expect(settingsForTable(config, { namespace: ['ops'], name: 'audit' }).maintenance).toMatchObject({
      enabled: false,
      retainLast: 3,
    });
    expect(settingsForTable(config, { namespace: ['ops'], name: 'other' }).maintenance).toEqual({
      snapshotMaxAgeMs: 2 * DAY,
      retainLast: 3,
      smallFileThreshold: 20,
    });
  });

  it('rejects unknown keys and bad values, naming the path', () => {
    expect(() => parseIngestConfig({ defaults: { maintenance: { retain_last: 0 } } })).toThrow(
      /defaults\.maintenance\.retain_last/,
    );
    expect(() => parseIngestConfig({ defaults: { maintenance: { orphan_age: 'soon' } } })).toThrow(ConfigError);
    expect(() => parseIngestConfig({ defaults: { maintenance: { compact: true } } })).toThrow(/maintenance/);
  });
});

describe('tableMaintenanceSettings: table properties over the route over built-ins', () => {
  it('uses built-in defaults with nothing set', () => {
    expect(tableMaintenanceSettings({ properties: {} })).toEqual({
      enabled: true,
      targetFileSizeBytes: 512 * 1024 * 1024,
      snapshotMaxAgeMs: 5 * DAY,
      retainLast: 1,
      orphanAgeMs: 3 * DAY,
      smallFileThreshold: 50,
    });
  });

  it('lets table properties win field by field; floe.maintenance.* before the Iceberg names', () => {
    const route = { snapshotMaxAgeMs: 2 * DAY, retainLast: 3, orphanAgeMs: 5 * DAY, targetFileSizeBytes: 1000 };
    const settings = tableMaintenanceSettings(
      {
        properties: {
          'history.expire.max-snapshot-age-ms': '3600000',
          'history.expire.min-snapshots-to-keep': '4',
          'floe.maintenance.retain-last': '6',
          'write.target-file-size-bytes': '2000',
          'floe.maintenance.small-file-threshold': 'many', // malformed: ignored
        },
      },
      { ...route, smallFileThreshold: 9 },
    );
    expect(settings).toEqual({
      enabled: true,
      targetFileSizeBytes: 2000,
      snapshotMaxAgeMs: 3_600_000,
      retainLast: 6,
      orphanAgeMs: 5 * DAY,
      smallFileThreshold: 9,
    });
    expect(
      tableMaintenanceSettings({ properties: { 'floe.maintenance.enabled': 'true' } }, { enabled: false }).enabled,
    ).toBe(true);
    expect(tableMaintenanceSettings({ properties: { 'floe.maintenance.enabled': 'false' } }).enabled).toBe(false);
  });
});

describe('maintainTable with route settings', () => {
  let kit: Kit;
  beforeEach(async () => {
    kit = await startKit({ 'commit.manifest.min-count-to-merge': '1000' });
  });
  afterEach(async () => kit.close());

  it('skips a table whose route disables maintenance, and applies the route retain_last otherwise', async () => {
    for (let i = 0; i < 4; i++) await kit.land(`a${i}.csv`, [[i, '2026-01-01']]);
    kit.clock.now += 10 * DAY;
    const skipped = await maintainTable(kit.id, kit.context(), { operations: ['expire'], route: { enabled: false } });
    expect(skipped).toMatchObject({ skipped: expect.any(String), reports: [] });
    expect((await kit.load()).metadata.snapshots).toHaveLength(4);

    await maintainTable(kit.id, kit.context(), { operations: ['expire'], route: { retainLast: 2 } });
    expect((await kit.load()).metadata.snapshots).toHaveLength(2);
    // An explicit option beats the route.
    await maintainTable(kit.id, kit.context(), {
      operations: ['expire'],
      route: { retainLast: 2 },
      expiry: { minSnapshotsToKeep: 1, maxSnapshotAgeMs: undefined },
    });
    expect((await kit.load()).metadata.snapshots).toHaveLength(1);
  });
});
