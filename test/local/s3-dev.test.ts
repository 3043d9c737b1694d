/**
 * `floe dev --s3-endpoint`: the dev stack against s3rver, with landing and warehouse in buckets
 * and the embedded catalog vending s3rver's credentials. The notification source is the landing
 * listing poll (S3LandingPoller), not s3rver's in-process events: it is what works against any
 * S3-compatible server. DuckDB reads the table's data files from the outside.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RestCatalog } from '../../lib/catalog/rest/client.js';
import { defaultIngestConfig } from '../../lib/ingest/config.js';
import { type DevEvent, startDevStack } from '../../lib/local/dev-stack.js';
import { floeHome, readDevState } from '../../lib/local/floe-home.js';
import { S3FileIO } from '../../lib/storage/s3.js';
import { queryTable } from '../functions/verify-table.js';
import { type S3rverHandle, startS3rver } from '../support/s3rver.js';

const ORDERS = { namespace: ['sales'], name: 'orders' };

async function waitFor<T>(probe: () => T | undefined | Promise<T | undefined>, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('floe dev --s3-endpoint (s3rver)', () => {
  let s3: S3rverHandle;
  let dir: string;
  let io: S3FileIO;
  const put = (key: string, body: string) =>
    s3.client.send(new PutObjectCommand({ Bucket: 'landing', Key: key, Body: body }));

  beforeAll(async () => {
    s3 = await startS3rver(['landing', 'warehouse']);
    io = new S3FileIO({ credentials: s3.credentials() });
    dir = await mkdtemp(join(tmpdir(), 'floe-s3dev-'));
  });
  afterAll(async () => {
    await s3?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('ingests objects dropped into the landing bucket through vended credentials, rejects bad ones, and skips them after a restart', async () => {
    const events: DevEvent[] = [];
    const start = () =>
      startDevStack({
        dir,
        port: 0,
        config: defaultIngestConfig(),
        onEvent: (e) => events.push(e),
        s3: { endpoint: s3.endpoint, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', pollMs: 100 },
      });
    await put('sales/orders/before-start.csv', 'id,amount\n1,10.5\n'); // landed while floe was down
    let stack = await start();
    try {
      const state = await readDevState(floeHome(dir));
      expect(state).toMatchObject({ warehouse: 's3://warehouse/', landing: 's3://landing/', s3Endpoint: s3.endpoint });

      await put('sales/orders/a.csv', 'id,amount\n2,20.5\n3,30.25\n');
      await put('sales/orders/bad.csv', 'id,amount\n4,x\n');
      await waitFor(() =>
        events.filter((e) => e.kind === 'committed').length >= 2 && events.some((e) => e.kind === 'rejected')
          ? true
          : undefined,
      );
      await stack.idle();

      const catalog = new RestCatalog({ uri: stack.catalogUri });
      const table = await catalog.loadTable(ORDERS);
      expect(table.metadata.location.startsWith('s3://warehouse/')).toBe(true);
      // The catalog vended s3rver's credentials; that is what the data files were written with.
      expect(table.credentials?.[0]).toMatchObject({
        accessKeyId: 'S3RVER',
        endpoint: s3.endpoint,
        pathStyleAccess: true,
      });
      expect(
        await queryTable(catalog, io, ORDERS, 'select id::int id, amount::double amount from t order by id'),
      ).toEqual([
        { id: 1, amount: 10.5 },
        { id: 2, amount: 20.5 },
        { id: 3, amount: 30.25 },
      ]);
      const rejected = events.find((e) => e.kind === 'rejected') as Extract<DevEvent, { kind: 'rejected' }>;
      expect(rejected.reportPath).toBe('s3://landing/_floe/errors/sales/orders/bad.csv.error.json');
      expect(JSON.parse(new TextDecoder().decode(await io.read(rejected.reportPath)))).toMatchObject({
        column: 'amount',
        value: 'x',
      });

      await stack.stop();
      const snapshots = table.metadata.snapshots.length;
      events.length = 0;
      stack = await start();
      // The first poll announces every object again; the ones already committed are not ingested twice.
      await waitFor(() => (events.filter((e) => e.kind === 'duplicate').length >= 2 ? true : undefined));
      await stack.idle();
      expect(events.filter((e) => e.kind === 'committed')).toEqual([]);
      // (a new catalog server on a new port, over the same warehouse bucket)
      expect((await new RestCatalog({ uri: stack.catalogUri }).loadTable(ORDERS)).metadata.snapshots).toHaveLength(
        snapshots,
      );
      // _floe/errors/… in the landing bucket is floe's own output, never ingested.
      expect(events.some((e) => 'key' in e && e.key.startsWith('_floe/'))).toBe(false);
    } finally {
      await stack.stop();
    }
  }, 30_000);

  it('is wired into the `floe dev` command', async () => {
    const bin = join(import.meta.dirname, '..', '..', 'bin', 'floe.mjs');
    const cliDir = await mkdtemp(join(tmpdir(), 'floe-s3dev-cli-'));
    let child: ChildProcess | undefined;
    try {
      child = spawn(
        process.execPath,
        [bin, 'dev', '--port', '0', '--dir', cliDir, '--s3-endpoint', s3.endpoint, '--warehouse-bucket', 'warehouse'],
        {
          env: { ...process.env, AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let out = '';
      child.stdout?.on('data', (d) => {
        out += String(d);
      });
      child.stderr?.on('data', (d) => {
        out += String(d);
      });
      await waitFor(() => (out.includes('Watching for files') ? true : undefined));
      expect(out).toContain('landing    s3://landing/<namespace>/<table>/<file>');
      await put('web/clicks/c.json', '{"user":"u1"}\n{"user":"u2"}\n');
      await waitFor(() => (/✔ web\/clicks\/c\.json → web\.clicks: 2 rows/.test(out) ? true : undefined));
    } finally {
      if (child && child.exitCode === null) {
        const exited = new Promise((r) => child?.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      await rm(cliDir, { recursive: true, force: true });
    }
  }, 30_000);

  it('a landing bucket that cannot be listed is reported once, with what to check (issue #18)', async () => {
    const events: DevEvent[] = [];
    const stack = await startDevStack({
      dir: join(dir, 'missing-bucket'),
      port: 0,
      config: defaultIngestConfig(),
      onEvent: (e) => events.push(e),
      s3: {
        endpoint: s3.endpoint,
        accessKeyId: 'S3RVER',
        secretAccessKey: 'S3RVER',
        pollMs: 50,
        landingBucket: 'no-such-bucket',
      },
    });
    try {
      await waitFor(() => (events.length > 0 ? true : undefined));
      await new Promise((r) => setTimeout(r, 500)); // ten more failing polls
      const warnings = events.filter((e) => e.kind === 'warning');
      expect(warnings).toHaveLength(1);
      expect((warnings[0] as { message: string }).message).toMatch(
        /cannot list s3:\/\/no-such-bucket\/ at http.*the bucket does not exist.*S3RVER/,
      );
    } finally {
      await stack.stop();
    }
  });
});
