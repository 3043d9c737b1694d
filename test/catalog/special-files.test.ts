/**
 * Special files in a warehouse (a FIFO where the catalog expects its own JSON file, a location
 * through a FIFO, /proc, /dev) never hang a request, and SIGTERM stops `floe catalog serve` and
 * `floe dev` even after a request touched one (issue 12). Real child processes: a request
 * stuck in a blocking `open()` of a FIFO used to keep a Node process alive forever.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startCatalogServer } from '../../lib/catalog/server/server.js';
import { readRegularFile, SpecialFileError } from '../../lib/catalog/server/special-files.js';
import { LocalFileIO } from '../../lib/storage/local.js';

const bin = fileURLToPath(new URL('../../bin/floe.mjs', import.meta.url));
const schema = { type: 'struct', 'schema-id': 0, fields: [{ id: 1, name: 'id', required: true, type: 'long' }] };

/** Spawns the floe CLI and resolves the first URL it prints. */
async function spawnFloe(args: string[]): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stderr?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /(http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (match) resolve(match[1] as string);
    });
    child.once('exit', (code) => reject(new Error(`floe ${args[0]} exited with ${code}: ${out}`)));
  });
  return { child, url };
}

/** Resolves the exit code, or 'hung' when the process is still alive after `ms`. */
function exitWithin(child: ChildProcess, ms: number): Promise<number | string | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode ?? child.signalCode);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('hung'), ms);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(code ?? signal);
    });
  });
}

/** GET or POST, with a client-side limit so a hanging server fails the test instead of stalling it. */
async function call(
  url: string,
  method = 'GET',
  body?: unknown,
): Promise<{ status: number | 'no answer'; text: string }> {
  try {
    const res = await fetch(url, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(8_000),
    });
    return { status: res.status, text: await res.text() };
  } catch {
    return { status: 'no answer', text: '' };
  }
}

/** Replaces a file with a FIFO of the same name. */
async function fifoInPlaceOf(path: string): Promise<void> {
  await rm(path);
  execFileSync('mkfifo', [path]);
}

const children: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const child of children.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** A warehouse with namespace `db`, tables `db.t` and `db.m`: `t`'s pointer and `m`'s metadata file are FIFOs. */
async function warehouseWithFifos(warehouse: string): Promise<void> {
  const server = await startCatalogServer({ warehouse, io: new LocalFileIO() });
  try {
    const post = (path: string, body: unknown) => call(`${server.url}/v1/${path}`, 'POST', body);
    expect((await post('namespaces', { namespace: ['db'] })).status).toBe(200);
    expect((await post('namespaces', { namespace: ['ns2'] })).status).toBe(200);
    expect((await post('namespaces/db/tables', { name: 't', schema })).status).toBe(200);
    const m = await post('namespaces/db/tables', { name: 'm', schema });
    expect(m.status).toBe(200);
    await server.close();
    await fifoInPlaceOf(join(warehouse, '_catalog', 'tables', 'db', 't.json'));
    await fifoInPlaceOf(JSON.parse(m.text)['metadata-location']);
    await fifoInPlaceOf(join(warehouse, '_catalog', 'namespaces', 'ns2.json'));
  } finally {
    await server.close();
  }
}

describe('special files in the warehouse', () => {
  it('`floe catalog serve` answers requests that meet a FIFO, refuses special locations, and exits on SIGTERM', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'floe-fifo-'));
    dirs.push(dir);
    await warehouseWithFifos(dir);
    const { child, url } = await spawnFloe(['catalog', 'serve', '--dir', dir, '--port', '0']);
    children.push(child);

    for (const path of ['namespaces/db/tables/t', 'namespaces/db/tables/m', 'namespaces/ns2']) {
      const answer = await call(`${url}/v1/${path}`);
      expect(answer.status, path).toBe(500);
      expect(answer.text, path).not.toContain(dir);
    }
    // Locations that are (or pass through) special files, or lie in /proc, /sys, /dev: 400, no server path.
    execFileSync('mkfifo', [join(dir, 'pipe')]);
    for (const location of [join(dir, 'pipe'), join(dir, 'pipe', 'sub'), '/proc/self/fd', '/dev/null', '/sys/kernel']) {
      const answer = await call(`${url}/v1/namespaces/db/tables`, 'POST', { name: 'x', schema, location });
      expect(answer.status, location).toBe(400);
      expect(answer.text, location).not.toContain(dir);
    }
    // The server still works.
    expect((await call(`${url}/v1/namespaces/db/tables`, 'POST', { name: 'ok', schema })).status).toBe(200);
    // A FIFO in place of the lock file does not hang the shutdown (the release reads the lock's owner).
    await fifoInPlaceOf(join(dir, '_catalog', 'server.lock'));
    child.kill('SIGTERM');
    expect(await exitWithin(child, 10_000)).toBe(0);
    expect(await readdir(join(dir, '_catalog', 'tables', 'db'))).toContain('ok.json');
  }, 60_000);

  it('a FIFO in place of the warehouse lock is taken over as an unreadable (stale) lock, not waited on', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'floe-fifo-lock-'));
    dirs.push(dir);
    await mkdir(join(dir, '_catalog'));
    execFileSync('mkfifo', [join(dir, '_catalog', 'server.lock')]);
    const { child, url } = await spawnFloe(['catalog', 'serve', '--dir', dir, '--port', '0']);
    children.push(child);
    expect((await call(`${url}/v1/config`)).status).toBe(200);
    child.kill('SIGTERM');
    expect(await exitWithin(child, 10_000)).toBe(0);
  }, 60_000);

  it('`floe dev` exits on SIGTERM after a catalog request met a FIFO', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'floe-fifo-dev-'));
    dirs.push(dir);
    await warehouseWithFifos(join(dir, 'warehouse'));
    const { child, url } = await spawnFloe(['dev', '--dir', dir, '--port', '0']);
    children.push(child);
    const answer = await call(`${url}/v1/namespaces/db/tables/t`);
    expect(answer.status).toBe(500);
    child.kill('SIGTERM');
    expect(await exitWithin(child, 15_000)).toBe(0);
  }, 60_000);

  it('reads only regular files: FIFO, socket, device and directory are refused without blocking', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'floe-special-'));
    dirs.push(dir);
    await writeFile(join(dir, 'plain.json'), '{}');
    execFileSync('mkfifo', [join(dir, 'fifo')]);
    const socket = createServer();
    await new Promise<void>((r) => socket.listen(join(dir, 'sock'), r));
    try {
      expect(new TextDecoder().decode(await readRegularFile(join(dir, 'plain.json')))).toBe('{}');
      expect(await readRegularFile(join(dir, 'missing.json'))).toBeUndefined();
      for (const [path, kind] of [
        [join(dir, 'fifo'), /FIFO/],
        [join(dir, 'sock'), /socket/],
        ['/dev/null', /device/],
        [dir, /directory/],
      ] as const) {
        const error = await readRegularFile(path).catch((e: unknown) => e);
        expect(error, path).toBeInstanceOf(SpecialFileError);
        expect((error as Error).message, path).toMatch(kind);
      }
      await expect(readRegularFile(join(dir, 'plain.json'), 1)).rejects.toBeInstanceOf(SpecialFileError);
    } finally {
      socket.close();
    }
  });
});
