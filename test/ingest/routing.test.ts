import { describe, expect, it } from 'vitest';
import { ConfigError, defaultIngestConfig, parseIngestConfig, parseIngestConfigText } from '../../lib/ingest/config.js';
import { ingestId } from '../../lib/ingest/ingest-id.js';
import { RouteError, routeObject } from '../../lib/ingest/route.js';

describe('ingest config', () => {
  it('parses routes, defaults and human durations/sizes from YAML', () => {
    const config = parseIngestConfigText(
      `landing_prefix: in/
defaults: { on_error: skip_file, dedup_window: 2d }
routes:
  - match: "sales/**/*.csv"
    table: sales.orders
    target_file_size: 64MB
    auto_create: { partition_spec: [{ column: ts, transform: day }], properties: { owner: me } }
  - prefix: clicks/
    table: [web, raw, clicks]
    auto_create: false
    hive_partitions: true
`,
      'floe.config.yaml',
    );
    expect(config.landingPrefix).toBe('in/');
    const [sales, clicks] = config.routes;
    expect(sales?.table).toEqual({ namespace: ['sales'], name: 'orders' });
    expect(sales?.settings.onError).toBe('skip_file');
    expect(sales?.settings.dedupWindowMs).toBe(2 * 86_400_000);
    expect(sales?.settings.targetFileSizeBytes).toBe(64_000_000);
    expect(sales?.settings.autoCreate?.partitionSpec).toEqual([{ column: 'ts', transform: 'day' }]);
    expect(sales?.settings.format.csv.header).toBe(true);
    expect(clicks?.table).toEqual({ namespace: ['web', 'raw'], name: 'clicks' });
    expect(clicks?.settings.autoCreate).toBeUndefined();
  });

  it('carries every per-route setting from JSON text, each overriding the defaults', () => {
    const config = parseIngestConfigText(
      JSON.stringify({
        defaults: { on_error: 'abort', schema_policy: 'evolve', archive: false },
        routes: [
          {
            prefix: 'eu/',
            table: 'sales.eu',
            format: { csv: { delimiter: ';' }, caseInsensitive: true },
            on_error: 'continue',
            schema_policy: 'ignore-extra',
            auto_create: {
              partition_spec: [{ column: 'id', transform: 'bucket[16]', name: 'id_b' }],
              properties: { 'write.parquet.compression-codec': 'zstd' },
              format_version: 3,
            },
            target_file_size: '256MiB',
            dedup_window: '12h',
            archive: true,
          },
        ],
      }),
    );
    expect(config.defaults).toMatchObject({ onError: 'abort', schemaPolicy: 'evolve', archive: false });
    expect(config.routes[0]?.settings).toMatchObject({
      format: { csv: { delimiter: ';' }, caseInsensitive: true },
      onError: 'continue',
      schemaPolicy: 'ignore-extra',
      autoCreate: {
        partitionSpec: [{ column: 'id', transform: 'bucket[16]', name: 'id_b' }],
        properties: { 'write.parquet.compression-codec': 'zstd' },
        formatVersion: 3,
      },
      targetFileSizeBytes: 256 * 1024 * 1024,
      dedupWindowMs: 12 * 3_600_000,
      archive: true,
    });
    expect(() => parseIngestConfigText('routes: [ {', 'floe.config.yaml')).toThrow(/floe\.config\.yaml/);
  });

  it('names the bad field', () => {
    const bad = () =>
      parseIngestConfig({
        routes: [
          { prefix: 'a/', table: 'a.b' },
          {
            match: '*',
            table: 'x.y',
            dedup_window: 'soon',
            auto_create: { partition_spec: [{ column: 'c', transform: 'weekly' }] },
          },
        ],
      });
    expect(bad).toThrow(ConfigError);
    expect(bad).toThrow(/routes\[1\]\.dedup_window: invalid duration "soon"/);
    expect(bad).toThrow(/routes\[1\]\.auto_create\.partition_spec\[0\]\.transform/);
    expect(() => parseIngestConfig({ routes: [{ prefix: 'a/', table: 'bad-name.t' }] })).toThrow(/routes\[0\]\.table/);
    expect(() => parseIngestConfig({ routes: [{ table: 'a.b' }] })).toThrow(/exactly one of match or prefix/);
    expect(() => parseIngestConfig({ route: [] })).toThrow(/route/);
  });
});

describe('routeObject', () => {
  const convention = defaultIngestConfig();
  const reserved = { reservedPrefixes: ['_floe/'] };

  it('routes by convention <namespace>/<table>/<anything>', () => {
    const r = routeObject('sales/orders/2024/01/a.csv', 10, convention, reserved);
    expect(r).toMatchObject({
      kind: 'table',
      table: { namespace: ['sales'], name: 'orders' },
      relativeKey: 'sales/orders/2024/01/a.csv',
    });
  });

  it('skips markers, hidden paths, empty objects and floe prefixes', () => {
    expect(routeObject('sales/orders/', 0, convention).kind).toBe('skip');
    expect(routeObject('sales/orders/_SUCCESS', 0, convention).kind).toBe('skip');
    expect(routeObject('sales/orders/.DS_Store', 5, convention).kind).toBe('skip');
    expect(routeObject('sales/orders/_temporary/0/a.csv', 5, convention).kind).toBe('skip');
    expect(routeObject('sales/orders/a.csv', 0, convention).kind).toBe('skip');
    expect(routeObject('_floe/errors/sales/orders/a.csv.error.json', 5, convention, reserved).kind).toBe('skip');
  });

  it('rejects traversal, control characters and bad identifiers', () => {
    expect(() => routeObject('sales/../orders/a.csv', 5, convention)).toThrow(RouteError);
    expect(() => routeObject('sales/orders/a\u0001.csv', 5, convention)).toThrow(/control/);
    expect(() => routeObject('sales/or%2Fders/a.csv', 5, convention)).toThrow(/not a valid/);
    expect(() => routeObject('sales/a.csv', 5, convention)).toThrow(/expected <namespace>/);
    // a file name with dots is fine
    expect(routeObject('sales/orders/a..b.csv', 5, convention).kind).toBe('table');
  });

  it('matches configured routes by glob and prefix, first wins, reads hive columns', () => {
    const config = parseIngestConfig({
      landing_prefix: 'in/',
      routes: [
        { match: 'sales/**/*.csv', table: 'sales.orders' },
        { prefix: 'clicks/', table: 'web.clicks', hive_partitions: true },
      ],
    });
    expect(routeObject('in/sales/2024/a.csv', 1, config)).toMatchObject({ kind: 'table', table: { name: 'orders' } });
    expect(routeObject('in/sales/2024/a.json', 1, config)).toMatchObject({ kind: 'skip', reason: 'no route matches' });
    expect(routeObject('other/sales/a.csv', 1, config).kind).toBe('skip');
    expect(routeObject('in/clicks/dt=2024-01-02/region=eu%20west/x.json', 1, config)).toMatchObject({
      kind: 'table',
      hiveValues: { dt: '2024-01-02', region: 'eu west' },
    });
  });
});

describe('ingestId', () => {
  it('is stable per object version and changes with the version', () => {
    const a = ingestId({ bucket: 'b', key: 'k', etag: '"abc"' });
    expect(a).toMatch(/^i[0-9a-f]{24}$/);
    expect(ingestId({ bucket: 'b', key: 'k', etag: 'abc' })).toBe(a);
    expect(ingestId({ bucket: 'b', key: 'k', etag: 'abd' })).not.toBe(a);
    expect(ingestId({ bucket: 'b', key: 'k2', etag: 'abc' })).not.toBe(a);
    expect(ingestId({ bucket: 'b', key: 'k', etag: 'abc', versionId: 'v1' })).not.toBe(a);
    expect(() => ingestId({ bucket: 'b', key: 'k' })).toThrow(/no version id or ETag/);
  });
});
