/**
 * A file written slowly into the local landing directory (issue #18): the writer pauses longer
 * than the watcher's stable window, so the watcher reports the partial file and it is converted.
 * The file then grows before the commit: the partial read must never be committed; only the
 * complete file is, once.
 */
import { appendFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RestCatalog } from '../../lib/catalog/rest/client.js';
import { defaultIngestConfig } from '../../lib/ingest/config.js';
import { type DevEvent, startDevStack } from '../../lib/local/dev-stack.js';
import { floeHome } from '../../lib/local/floe-home.js';
import { LocalFileIO } from '../../lib/storage/local.js';
import { queryTable } from '../functions/verify-table.js';

async function waitFor(probe: () => boolean, what: () => unknown = () => '', ms = 45_000): Promise<void> {
  const end = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > end) throw new Error(`timed out; events: ${JSON.stringify(what())}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('floe dev: a half-written file', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('a file that grows after it was read is committed once, complete, never as its partial read', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'floe-half-'));
    dirs.push(dir);
    const events: DevEvent[] = [];
    const stack = await startDevStack({
      dir,
      port: 0,
      config: defaultIngestConfig(),
      onEvent: (e) => events.push(e),
      stableMs: 100,
      commitWindowMs: 1500, // the partial file's commit waits here while the writer continues
    });
    try {
      const folder = join(floeHome(dir).landing, 'db', 'slow');
      await mkdir(folder, { recursive: true });
      const path = join(folder, 'rows.csv');
      await writeFile(path, 'id,v\n1,');
      // The writer pauses past the stable window: the partial file is reported and converted.
      await new Promise((r) => setTimeout(r, 700));
      await appendFile(path, 'a\n2,b\n');
      await waitFor(
        () => events.some((e) => e.kind === 'committed'),
        () => events.map((e) => [e.kind, 'reason' in e ? e.reason : '']),
      );
      await stack.idle();
      await new Promise((r) => setTimeout(r, 500));
      await stack.idle();
      const catalog = new RestCatalog({ uri: stack.catalogUri });
      const rows = await queryTable(
        catalog,
        new LocalFileIO(),
        { namespace: ['db'], name: 'slow' },
        'select id, v from t order by id',
      );
      expect(rows).toEqual([
        { id: 1, v: 'a' },
        { id: 2, v: 'b' },
      ]);
    } finally {
      await stack.stop();
    }
  });

  it('a rejected file is not converted and reported again after a restart', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'floe-rejected-'));
    dirs.push(dir);
    const folder = join(floeHome(dir).landing, 'db', 'bad');
    await mkdir(folder, { recursive: true });
    await writeFile(join(folder, 'header-only.csv'), 'id,v\n');
    const runOnce = async () => {
      const events: DevEvent[] = [];
      const stack = await startDevStack({
        dir,
        port: 0,
        config: defaultIngestConfig(),
        onEvent: (e) => events.push(e),
        stableMs: 50,
      });
      try {
        await waitFor(() => events.some((e) => e.kind === 'rejected' || e.kind === 'skipped'));
        await stack.idle();
      } finally {
        await stack.stop();
      }
      return events.map((e) => e.kind);
    };
    expect(await runOnce()).toEqual(['rejected']);
    expect(await runOnce()).toEqual(['skipped']);
  });
});
