/**
 * One warehouse, one server: the embedded catalog caches table pointers and serializes commits in
 * process, so a second server on the same warehouse directory would lose acknowledged commits.
 * `<warehouse>/_catalog/server.lock` holds the owner's pid and host; it is created exclusively,
 * a lock whose process is gone (same host) is stale and taken over, and `release` removes it.
 */

import { mkdir, open, rename, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { readRegularFile } from './special-files.js';

/** A second server tried to open a warehouse that a live server holds. */
export class WarehouseLockedError extends Error {
  override name = 'WarehouseLockedError';
  constructor(
    readonly warehouse: string,
    readonly owner: { pid: number; host: string },
    options?: { cause?: unknown },
  ) {
    super(
      `warehouse ${warehouse} is in use by another floe catalog (pid ${owner.pid} on ${owner.host}); ` +
        'stop that one (or its floe dev) first, or use another --dir',
      options,
    );
  }
}

/** A held warehouse lock. */
export interface WarehouseLock {
  readonly path: string;
  release(): Promise<void>;
}

/** Takes the lock of a local warehouse directory, recovering a stale one; throws WarehouseLockedError. */
export async function lockWarehouse(warehouse: string): Promise<WarehouseLock> {
  const dir = join(warehouse, '_catalog');
  const path = join(dir, 'server.lock');
  await mkdir(dir, { recursive: true });
  const me = { pid: process.pid, host: hostname(), started: new Date().toISOString() };
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const handle = await open(path, 'wx');
      try {
        await handle.writeFile(JSON.stringify(me));
        await handle.sync();
      } finally {
        await handle.close();
      }
      return {
        path,
        async release() {
          const owner = await readOwner(path);
          if (owner?.pid === me.pid && owner.host === me.host && owner.started === me.started)
            await rm(path, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    // An unreadable lock may be one being written right now: look again before calling it stale.
    const owner = (await readOwner(path)) ?? (await new Promise((r) => setTimeout(r, 200)).then(() => readOwner(path)));
    if (owner && (owner.host !== me.host || alive(owner.pid))) throw new WarehouseLockedError(warehouse, owner);
    // Stale (the owner died) or unreadable (it died while writing): move it aside, then retry.
    await rename(path, `${path}.stale-${process.pid}-${attempt}`).catch(() => undefined);
    await rm(`${path}.stale-${process.pid}-${attempt}`, { force: true });
  }
  throw new Error(`could not take the warehouse lock ${path}`);
}

async function readOwner(path: string): Promise<{ pid: number; host: string; started?: string } | undefined> {
  try {
    // Non-blocking: a FIFO in the lock's place must not hang a start or a shutdown (special-files.ts).
    const bytes = await readRegularFile(path, 64 * 1024);
    if (!bytes) return undefined;
    const owner = JSON.parse(new TextDecoder().decode(bytes)) as { pid?: unknown; host?: unknown; started?: string };
    return typeof owner.pid === 'number' && typeof owner.host === 'string'
      ? { pid: owner.pid, host: owner.host, started: owner.started }
      : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
