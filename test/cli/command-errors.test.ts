/** One-line CLI messages for the errors users meet (issue #18), from real errors. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { startCatalogServer } from '../../lib/catalog/server/server.js';
import { errorLine } from '../../lib/cli/command-errors.js';
import { parseIngestConfig } from '../../lib/ingest/config.js';
import { LocalFileIO } from '../../lib/storage/local.js';
import { startTestCatalog } from '../support/catalog-server.js';

it('a port in use, a bad config and an unknown table each print one line saying what to do', async () => {
  const env = await startTestCatalog();
  const warehouse = await mkdtemp(join(tmpdir(), 'floe-port-'));
  try {
    const port = Number(new URL(env.server.url).port);
    const inUse = await startCatalogServer({ warehouse, io: new LocalFileIO(), port, host: '127.0.0.1' }).then(
      (s) => s.close().then(() => undefined),
      (e: unknown) => e,
    );
    expect(errorLine('dev', inUse)).toMatch(/^floe dev: port \d+ is in use .*--port/);

    const badConfig = (() => {
      try {
        parseIngestConfig({ routes: [{ match: '**', table: 42 }] });
      } catch (e) {
        return e;
      }
    })();
    const line = errorLine('ingest', badConfig);
    expect(line).toMatch(/^floe ingest: invalid floe config: routes\[0\]\.table/);
    expect(line).not.toMatch(/\n/);

    const missing = await env.catalog.loadTable({ namespace: ['nope'], name: 't' }).catch((e: unknown) => e);
    expect(errorLine('scan', missing)).toMatch(/^floe scan: .*\(floe tables lists the tables\)$/);
  } finally {
    await env.close();
    await rm(warehouse, { recursive: true, force: true });
  }
});
