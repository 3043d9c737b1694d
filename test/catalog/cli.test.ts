import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { RestCatalog } from '../../lib/catalog/rest/client.js';
import { run } from '../../lib/cli/commands/catalog.js';
import { SUMMARIES } from '../../lib/cli/summaries.js';

describe('floe catalog', () => {
  it('validates its arguments before serving', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      expect(SUMMARIES.catalog).toContain('catalog serve');
      expect(await run(['frobnicate'])).toBe(2);
      expect(await run(['serve'])).toBe(2);
      expect(errors.mock.calls.at(-1)?.[0]).toContain('--dir is required');
      expect(await run(['serve', '--dir', '/tmp/x', '--auth', 'kerberos'])).toBe(2);
      expect(await run(['serve', '--dir', '/tmp/x', '--port', 'abc'])).toBe(2);
      expect(await run(['serve', '--dir', '/tmp/x', '--request-timeout', '0'])).toBe(2);
      expect(errors.mock.calls.at(-1)?.[0]).toContain('--request-timeout');
      // --auth token needs a real secret (an allow-list), not "any token".
      delete process.env.FLOE_CATALOG_SECRET;
      expect(await run(['serve', '--dir', '/tmp/x', '--auth', 'token'])).toBe(2);
      expect(errors.mock.calls.at(-1)?.[0]).toContain('FLOE_CATALOG_SECRET');
    } finally {
      errors.mockRestore();
    }
  });

  it('`floe catalog serve` serves a warehouse directory until SIGTERM', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'floe-cli-wh-'));
    const bin = fileURLToPath(new URL('../../bin/floe.mjs', import.meta.url));
    const child = spawn(process.execPath, [bin, 'catalog', 'serve', '--dir', dir, '--port', '0', '--prefix', 'local'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const match = /at (http:\/\/\S+?),? /.exec(out);
          if (match) resolve(match[1] as string);
        });
        child.once('exit', (code) => reject(new Error(`floe catalog serve exited with ${code}: ${out}`)));
      });
      const catalog = new RestCatalog({ uri: url });
      await catalog.createNamespace(['db'], { owner: 'cli' });
      expect(await catalog.loadNamespace(['db'])).toEqual({ owner: 'cli' });
      expect((await catalog.resolvedConfig()).prefix).toBe('local');
      // One warehouse, one server: a second `floe catalog serve` on the same --dir refuses to start.
      const second = spawn(process.execPath, [bin, 'catalog', 'serve', '--dir', dir, '--port', '0'], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let secondErr = '';
      second.stderr.on('data', (c: Buffer) => {
        secondErr += c.toString();
      });
      expect(await new Promise((resolve) => second.once('exit', resolve))).toBe(1);
      expect(secondErr).toMatch(/is in use by another floe catalog \(pid \d+/);
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(await readdir(join(dir, '_catalog', 'namespaces'))).toEqual(['db.json']);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    }
  });
});
