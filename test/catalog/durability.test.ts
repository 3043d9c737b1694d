/**
 * Serialization and crash-safety of the embedded catalog's multi-file changes: an intent left
 * by a crash mid-rename (or mid-transaction) is completed at start; namespace property updates
 * running concurrently all land; a namespace drop racing table creates never leaves a table in a
 * dropped namespace; a commit fsyncs its metadata file and that file's directory before the
 * pointer is written, then fsyncs the pointer and its directory.
 */
import { existsSync, readlinkSync } from 'node:fs';
import { type FileHandle, mkdir, open, readdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestCatalog, type TestCatalog } from '../support/catalog-server.js';

/** Runs `fn`, recording the path of every file handle fsynced meanwhile (Linux: via /proc/self/fd). */
async function recordingSyncs<T>(fn: () => Promise<T>): Promise<{ synced: string[]; result: T }> {
  const probe = await open('.', 'r');
  const proto = Object.getPrototypeOf(probe) as { sync: FileHandle['sync'] };
  await probe.close();
  const original = proto.sync;
  const synced: string[] = [];
  proto.sync = function (this: FileHandle) {
    synced.push(readlinkSync(`/proc/self/fd/${this.fd}`));
    return original.call(this);
  };
  try {
    return { synced, result: await fn() };
  } finally {
    proto.sync = original;
  }
}

const schema = {
  type: 'struct' as const,
  'schema-id': 0,
  fields: [{ id: 1, name: 'id', required: true, type: 'long' }],
};

describe('embedded catalog durability', () => {
  let env: TestCatalog | undefined;
  afterEach(async () => {
    await env?.close();
    env = undefined;
  });

  it('completes a rename that a crash interrupted (the intent is replayed at start)', async () => {
    env = await startTestCatalog();
    const warehouse = env.warehouse;
    await env.catalog.createNamespace(['db']);
    const created = await env.catalog.createTable(['db'], { name: 'old', schema });
    await env.server.close();
    // The state a crash leaves after the intent was written and the new pointer too, but before
    // the old pointer was deleted: both names would be live without the intent.
    const tables = join(warehouse, '_catalog', 'tables', 'db');
    const pointer = JSON.stringify({ 'metadata-location': created.metadataLocation });
    await writeFile(join(tables, 'new.json'), pointer);
    await mkdir(join(warehouse, '_catalog', 'intents'), { recursive: true });
    await writeFile(
      join(warehouse, '_catalog', 'intents', '000000000000001-x.json'),
      JSON.stringify({
        changes: [
          { file: join(tables, 'new.json'), location: created.metadataLocation },
          { file: join(tables, 'old.json'), location: null },
        ],
      }),
    );
    env = await startTestCatalog({ warehouse });
    expect((await env.catalog.listTables(['db'])).items.map((t) => t.name)).toEqual(['new']);
    expect(await readdir(join(warehouse, '_catalog', 'intents'))).toEqual([]);
  });

  it('keeps every one of many concurrent namespace property updates', async () => {
    env = await startTestCatalog();
    await env.catalog.createNamespace(['ns']);
    const catalog = env.catalog;
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => catalog.updateNamespaceProperties(['ns'], { [`k${i}`]: 'v' }, [])),
    );
    expect(Object.keys(await catalog.loadNamespace(['ns']))).toHaveLength(20);
  });

  it('never leaves a table in a dropped namespace when drop and create race', async () => {
    env = await startTestCatalog();
    const catalog = env.catalog;
    for (let round = 0; round < 5; round++) {
      const ns = [`race${round}`];
      await catalog.createNamespace(ns);
      const results = await Promise.allSettled([
        catalog.createTable(ns, { name: 't', schema }),
        catalog.dropNamespace(ns),
      ]);
      const [create, drop] = results;
      // Either the create won (the drop then finds a table: 409), or the drop won (the create 404s).
      expect(create.status === 'fulfilled').not.toBe(drop.status === 'fulfilled');
      if (drop.status === 'fulfilled') {
        expect(existsSync(join(env.warehouse, '_catalog', 'tables', ns[0] as string, 't.json'))).toBe(false);
      }
    }
  });

  it('fsyncs the new metadata file and its directory before the pointer, then the pointer and its directory', async () => {
    env = await startTestCatalog();
    await env.catalog.createNamespace(['db']);
    await env.catalog.createTable(['db'], { name: 't', schema });
    // Record which file every fsync is for (Linux: the descriptor's path), calling through.
    const catalog = env.catalog;
    const { synced, result: committed } = await recordingSyncs(() =>
      catalog.commitTable(
        { namespace: ['db'], name: 't' },
        { requirements: [], updates: [{ action: 'set-properties', updates: { k: 'v' } }] },
      ),
    );
    const metadataFile = committed.metadataLocation as string;
    const pointerFile = join(env.warehouse, '_catalog', 'tables', 'db', 't.json');
    // Each file is written to a temporary sibling (`<name>.<uuid>.tmp`), fsynced, renamed into place.
    const at = (predicate: (path: string) => boolean, what: string) => {
      const index = synced.findIndex(predicate);
      expect(index, `${what} in ${synced.join(', ')}`).toBeGreaterThanOrEqual(0);
      return index;
    };
    const metadataTemp = at((p) => p.startsWith(`${metadataFile}.`) && p.endsWith('.tmp'), 'metadata file');
    const metadataDir = at((p) => p === dirname(metadataFile), 'metadata directory');
    const pointerTemp = at((p) => p.startsWith(`${pointerFile}.`) && p.endsWith('.tmp'), 'pointer');
    const pointerDir = synced.lastIndexOf(dirname(pointerFile));
    expect(metadataTemp).toBeLessThan(metadataDir);
    expect(metadataDir).toBeLessThan(pointerTemp);
    expect(pointerTemp).toBeLessThan(pointerDir);
  });

  it('changes the pointers of a multi-table transaction through an intent written first (replayed after a crash)', async () => {
    env = await startTestCatalog();
    await env.catalog.createNamespace(['db']);
    await env.catalog.createTable(['db'], { name: 'a', schema });
    await env.catalog.createTable(['db'], { name: 'b', schema });
    const catalog = env.catalog;
    const { synced } = await recordingSyncs(async () => {
      const change = { requirements: [], updates: [{ action: 'set-properties' as const, updates: { tx: '1' } }] };
      await catalog.commitTransaction([
        { identifier: { namespace: ['db'], name: 'a' }, ...change },
        { identifier: { namespace: ['db'], name: 'b' }, ...change },
      ]);
    });
    const tables = join(env.warehouse, '_catalog', 'tables', 'db');
    const intent = synced.findIndex((p) => p.startsWith(join(env?.warehouse ?? '', '_catalog', 'intents', '')));
    const pointers = synced.filter((p) => p.startsWith(`${tables}/`) && p.endsWith('.tmp'));
    expect(intent, synced.join(', ')).toBeGreaterThanOrEqual(0);
    expect(pointers).toHaveLength(2);
    for (const pointer of pointers) expect(synced.indexOf(pointer)).toBeGreaterThan(intent);
    // Done: the intent is gone, both tables carry the change.
    expect(await readdir(join(env.warehouse, '_catalog', 'intents'))).toEqual([]);
    for (const name of ['a', 'b'])
      expect((await env.catalog.loadTable({ namespace: ['db'], name })).metadata.properties.tx).toBe('1');
  });
});
