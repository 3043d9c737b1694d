import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DREMIO_CLOUD,
  FloeConfigError,
  floeConfigFromContext,
  parseFloeConfig,
  readRoutesFile,
} from '../../infra/config.js';

const context = (values: Record<string, unknown>) => ({ tryGetContext: (key: string) => values[key] });

describe('floe configuration', () => {
  it('defaults to Dremio Cloud and needs only the warehouse', () => {
    const config = parseFloeConfig({ warehouse: 'analytics' });
    expect(config).toMatchObject({
      catalogUri: DREMIO_CLOUD.catalogUri,
      tokenEndpoint: 'https://login.dremio.cloud/oauth/token',
      scope: 'dremio.all',
      clientId: 'dremio',
      authType: 'token-exchange',
      landingPrefix: 'landing/',
      errorsPrefix: '_floe/errors/',
      spillPrefix: '_floe/commit-requests/',
    });
  });

  it('names the missing warehouse in the error', () => {
    const error = (() => {
      try {
        parseFloeConfig({});
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(FloeConfigError);
    expect((error as FloeConfigError).settings).toEqual(['warehouse']);
    expect((error as Error).message).toMatch(/warehouse: .*required.*-c warehouse=/s);
  });

  it('names every invalid setting at once', () => {
    expect(() =>
      parseFloeConfig({ warehouse: 'w', authType: 'password', catalogUri: 'not a url', maxFileBytes: '-1', bogus: 1 }),
    ).toThrow(
      expect.objectContaining({ settings: expect.arrayContaining(['authType', 'catalogUri', 'maxFileBytes']) }),
    );
  });

  it('rejects a landing prefix that would ingest floe’s own error reports', () => {
    expect(() => parseFloeConfig({ warehouse: 'w', landingPrefix: '' })).toThrow(
      /errorsPrefix: .*lies under landingPrefix/,
    );
    expect(() => parseFloeConfig({ warehouse: 'w', landingPrefix: 'in' })).toThrow(/landingPrefix: must end with "\/"/);
  });

  it('rejects both secretArn and secretName', () => {
    expect(() =>
      parseFloeConfig({ warehouse: 'w', secretName: 'p', secretArn: 'arn:aws:secretsmanager:us-east-1:1:secret:p' }),
    ).toThrow(/secretArn: set secretArn or secretName, not both/);
  });

  it('reads context: the floe object, overridden by single -c keys (strings coerced)', () => {
    const config = floeConfigFromContext(
      context({
        floe: { warehouse: 'from-cdk-json', convertMaxConcurrency: 5 },
        warehouse: 'from-cli',
        maxFileBytes: '1024',
        retainData: 'false',
      }),
    );
    expect(config.warehouse).toBe('from-cli');
    expect(config.convertMaxConcurrency).toBe(5);
    expect(config.maxFileBytes).toBe(1024);
    expect(config.retainData).toBe(false);
  });

  it('turns a YAML routes file into compact JSON and names an unreadable one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'floe-routes-'));
    writeFileSync(join(dir, 'routes.yaml'), 'routes:\n  - match: "orders/**"\n    table: sales.orders\n');
    expect(JSON.parse(readRoutesFile('routes.yaml', dir))).toEqual({
      routes: [{ match: 'orders/**', table: 'sales.orders' }],
    });
    expect(() => readRoutesFile('missing.yaml', dir)).toThrow(/routesFile: cannot read/);
    writeFileSync(join(dir, 'bad.json'), '{');
    expect(() => readRoutesFile('bad.json', dir)).toThrow(/routesFile: .* is not valid JSON/);
  });

  it('validates the issue #11 settings: archive prefix outside the landing prefix, version retention, tracing', () => {
    expect(() => parseFloeConfig({ warehouse: 'w', archivePrefix: 'landing/archive/' })).toThrow(
      /archivePrefix: "landing\/archive\/" lies under landingPrefix/,
    );
    expect(() => parseFloeConfig({ warehouse: 'w', landedVersionRetentionDays: -1 })).toThrow(
      /landedVersionRetentionDays/,
    );
    const config = parseFloeConfig({ warehouse: 'w', tracing: 'true', landedVersionRetentionDays: '0' });
    expect(config).toMatchObject({ tracing: true, landedVersionRetentionDays: 0, archivePrefix: '_floe/archive/' });
    expect(parseFloeConfig({ warehouse: 'w' }).tracing).toBe(false);
  });
});
