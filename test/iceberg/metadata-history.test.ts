/**
 * A catalog commit must not cost O(history) beyond writing the file: applyUpdates shares the
 * entries of the previous version and the compact serializer reuses their text. These tests pin
 * that the shortcuts give exactly the output of the plain path.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseJson, stringifyJson } from '../../lib/iceberg/json.js';
import { parseTableMetadata, serializeTableMetadata } from '../../lib/iceberg/metadata.js';
import { applyUpdates, newTableMetadata } from '../../lib/iceberg/metadata-builder.js';
import type { Snapshot, TableMetadata, TableUpdate } from '../../lib/iceberg/types.js';

const FIXTURES = 'test/fixtures';

/** The plain path: the whole value through stringifyJson, no reuse of any entry's text. */
const plainCompact = (m: TableMetadata): string => stringifyJson(parseJson(serializeTableMetadata(m)));

describe('compact table metadata', () => {
  it('equals the plain serialization for every fixture table version', () => {
    const files = execFileSync('find', [`${FIXTURES}/tables`, '-name', '*.metadata.json'], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .filter((p) => !p.endsWith('duckdb-bigquery_table/metadata/v0.metadata.json'));
    expect(files.length).toBeGreaterThan(100);
    for (const file of files) {
      const m = parseTableMetadata(new Uint8Array(readFileSync(file)), file);
      expect(serializeTableMetadata(m, { space: 0 }), file).toBe(plainCompact(m));
      // Twice: the second call reuses the entries' text.
      expect(serializeTableMetadata(m, { space: 0 }), file).toBe(plainCompact(m));
    }
  });

  it('stays exact across a chain of commits that share entries, and never changes the input', () => {
    let m = newTableMetadata({
      schema: { type: 'struct', 'schema-id': 0, fields: [{ id: 1, name: 'id', required: true, type: 'long' }] },
      location: 'file:///wh/t',
    });
    const versions: Array<{ metadata: TableMetadata; text: string }> = [];
    let parent: bigint | undefined;
    for (let i = 1; i <= 30; i++) {
      const id = 9_000_000_000_000_000_000n + BigInt(i);
      const snapshot: Snapshot = {
        'snapshot-id': id,
        ...(parent !== undefined ? { 'parent-snapshot-id': parent } : {}),
        'sequence-number': BigInt(i),
        'timestamp-ms': 1_700_000_000_000 + i,
        'manifest-list': `file:///wh/t/metadata/snap-${id}.avro`,
        summary: { operation: 'append', 'added-records': String(i) },
        'schema-id': 0,
      };
      const updates: TableUpdate[] = [
        { action: 'add-snapshot', snapshot },
        { action: 'set-snapshot-ref', 'ref-name': 'main', type: 'branch', 'snapshot-id': id },
      ];
      if (i === 10) updates.push({ action: 'remove-snapshots', 'snapshot-ids': [9_000_000_000_000_000_001n] });
      if (i === 20) updates.push({ action: 'set-properties', updates: { 'commit.retry.num-retries': '7' } });
      const next = applyUpdates(m, updates, { now: () => 1_700_000_000_000 + i });
      expect(next.snapshots).not.toBe(m.snapshots);
      versions.push({ metadata: m, text: serializeTableMetadata(m, { space: 0 }) });
      m = next;
      parent = id;
    }
    for (const { metadata, text } of versions) {
      // Earlier versions are untouched by later commits, and serialize as a fresh copy does.
      expect(serializeTableMetadata(metadata, { space: 0 })).toBe(text);
      expect(text).toBe(plainCompact(structuredClone(metadata)));
    }
    const last = parseJson<{ snapshots: Array<{ 'snapshot-id': bigint }> }>(serializeTableMetadata(m, { space: 0 }));
    expect(last.snapshots).toHaveLength(29);
    expect(last.snapshots.at(-1)?.['snapshot-id']).toBe(9_000_000_000_000_000_030n);
    expect(m.properties['commit.retry.num-retries']).toBe('7');
  });
});
