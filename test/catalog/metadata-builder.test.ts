import { describe, expect, it } from 'vitest';
import { parseTableMetadata, serializeTableMetadata } from '../../lib/iceberg/metadata.js';
import {
  applyUpdates,
  checkRequirements,
  InvalidUpdateError,
  newTableMetadata,
  RequirementFailedError,
} from '../../lib/iceberg/metadata-builder.js';
import type { Schema, Snapshot, TableMetadata } from '../../lib/iceberg/types.js';

const schema: Schema = {
  type: 'struct',
  'schema-id': 3,
  fields: [
    { id: 7, name: 'id', required: true, type: 'long' },
    {
      id: 8,
      name: 'point',
      required: false,
      type: { type: 'struct', fields: [{ id: 9, name: 'x', required: true, type: 'double' }] },
    },
    {
      id: 10,
      name: 'attrs',
      required: false,
      type: { type: 'map', 'key-id': 11, key: 'string', 'value-id': 12, 'value-required': false, value: 'string' },
    },
  ],
  'identifier-field-ids': [7],
};

function snapshot(id: bigint, seq: bigint, parent?: bigint, extra: Partial<Snapshot> = {}): Snapshot {
  return {
    'snapshot-id': id,
    ...(parent !== undefined ? { 'parent-snapshot-id': parent } : {}),
    'sequence-number': seq,
    'timestamp-ms': 1_700_000_000_000 + Number(seq),
    'manifest-list': `s3://b/t/metadata/snap-${id}.avro`,
    summary: { operation: 'append' },
    'schema-id': 0,
    ...extra,
  };
}

const base = (): TableMetadata => newTableMetadata({ schema, location: 's3://b/t/', properties: { a: '1' } });

describe('newTableMetadata', () => {
  it('assigns fresh ids like Java (breadth-first per struct) and partition ids from 1000', () => {
    const m = newTableMetadata({
      schema,
      location: 's3://b/t/',
      spec: { 'spec-id': 4, fields: [{ 'source-id': 9, 'field-id': 1, name: 'x_bucket', transform: 'bucket[4]' }] },
      sortOrder: {
        'order-id': 5,
        fields: [{ 'source-id': 7, transform: 'identity', direction: 'desc', 'null-order': 'nulls-last' }],
      },
    });
    const fields = m.schemas[0]?.fields ?? [];
    expect(fields.map((f) => f.id)).toEqual([1, 2, 3]);
    expect(fields[1]?.type).toMatchObject({ fields: [{ id: 4 }] });
    expect(fields[2]?.type).toMatchObject({ 'key-id': 5, 'value-id': 6 });
    expect(m.schemas[0]?.['identifier-field-ids']).toEqual([1]);
    expect(m['last-column-id']).toBe(6);
    expect(m['partition-specs']).toEqual([
      { 'spec-id': 0, fields: [{ 'source-id': 4, 'field-id': 1000, name: 'x_bucket', transform: 'bucket[4]' }] },
    ]);
    expect(m['last-partition-id']).toBe(1000);
    expect(m['sort-orders'][0]).toMatchObject({ 'order-id': 1, fields: [{ 'source-id': 1 }] });
    expect(m.location).toBe('s3://b/t');
    expect(m['format-version']).toBe(2);
    expect(m['table-uuid']).toMatch(/^[0-9a-f-]{36}$/);
    // Valid metadata per the iceberg-meta parser, through a serialize/parse round trip.
    expect(parseTableMetadata(serializeTableMetadata(m))).toMatchObject({
      'last-column-id': 6,
      'default-sort-order-id': 1,
    });
  });

  it('starts v3 tables at next-row-id 0 and unpartitioned tables at last-partition-id 999', () => {
    const m = newTableMetadata({ schema, location: '/wh/t', formatVersion: 3 });
    expect(m['next-row-id']).toBe(0n);
    expect(m['last-partition-id']).toBe(999);
    expect(m['default-sort-order-id']).toBe(0);
  });
});

describe('checkRequirements', () => {
  it('passes matching requirements and names the failed one', () => {
    const m = base();
    checkRequirements(m, [
      { type: 'assert-table-uuid', uuid: m['table-uuid'].toUpperCase() },
      { type: 'assert-ref-snapshot-id', ref: 'main', 'snapshot-id': null },
      { type: 'assert-last-assigned-field-id', 'last-assigned-field-id': 6 },
      { type: 'assert-current-schema-id', 'current-schema-id': 0 },
      { type: 'assert-last-assigned-partition-id', 'last-assigned-partition-id': 999 },
      { type: 'assert-default-spec-id', 'default-spec-id': 0 },
      { type: 'assert-default-sort-order-id', 'default-sort-order-id': 0 },
    ]);
    checkRequirements(undefined, [{ type: 'assert-create' }]);
    expect(() => checkRequirements(m, [{ type: 'assert-create' }])).toThrow(RequirementFailedError);
    expect(() => checkRequirements(m, [{ type: 'assert-default-spec-id', 'default-spec-id': 1 }])).toThrow(
      /assert-default-spec-id/,
    );
    const withMain = applyUpdates(m, [
      { action: 'add-snapshot', snapshot: snapshot(5n, 1n) },
      { action: 'set-snapshot-ref', 'ref-name': 'main', type: 'branch', 'snapshot-id': 5n },
    ]);
    expect(() =>
      checkRequirements(withMain, [{ type: 'assert-ref-snapshot-id', ref: 'main', 'snapshot-id': null }]),
    ).toThrow(/created concurrently/);
    expect(() =>
      checkRequirements(withMain, [{ type: 'assert-ref-snapshot-id', ref: 'main', 'snapshot-id': 4n }]),
    ).toThrow(RequirementFailedError);
    checkRequirements(withMain, [{ type: 'assert-ref-snapshot-id', ref: 'main', 'snapshot-id': 5n }]);
    expect(() => checkRequirements(m, [{ type: 'assert-bogus' } as never])).toThrow(InvalidUpdateError);
  });
});

describe('applyUpdates', () => {
  it('adds snapshots with sequence checks, moves main and writes the snapshot log', () => {
    const m0 = base();
    const m1 = applyUpdates(m0, [
      { action: 'add-snapshot', snapshot: snapshot(7505300640432048841n, 1n) },
      { action: 'set-snapshot-ref', 'ref-name': 'main', type: 'branch', 'snapshot-id': 7505300640432048841n },
    ]);
    expect(m1['current-snapshot-id']).toBe(7505300640432048841n);
    expect(m1['last-sequence-number']).toBe(1n);
    expect(m1['snapshot-log']).toEqual([{ 'snapshot-id': 7505300640432048841n, 'timestamp-ms': 1_700_000_000_001 }]);
    expect(m0.snapshots).toHaveLength(0); // input untouched
    expect(() =>
      applyUpdates(m1, [{ action: 'add-snapshot', snapshot: snapshot(9n, 1n, 7505300640432048841n) }]),
    ).toThrow(/older than last sequence number/);
    expect(() => applyUpdates(m1, [{ action: 'add-snapshot', snapshot: snapshot(7505300640432048841n, 2n) }])).toThrow(
      /already exists/,
    );
    expect(() =>
      applyUpdates(m1, [{ action: 'set-snapshot-ref', 'ref-name': 'main', type: 'branch', 'snapshot-id': 1n }]),
    ).toThrow(InvalidUpdateError);

    const m2 = applyUpdates(m1, [
      { action: 'add-snapshot', snapshot: snapshot(8n, 2n, 7505300640432048841n) },
      { action: 'set-snapshot-ref', 'ref-name': 'main', type: 'branch', 'snapshot-id': 8n },
      {
        action: 'set-snapshot-ref',
        'ref-name': 'audit',
        type: 'tag',
        'snapshot-id': 7505300640432048841n,
        'max-ref-age-ms': 1000,
      },
    ]);
    expect(m2.refs.audit).toEqual({ 'snapshot-id': 7505300640432048841n, type: 'tag', 'max-ref-age-ms': 1000 });
    const m3 = applyUpdates(m2, [{ action: 'remove-snapshots', 'snapshot-ids': [7505300640432048841n] }]);
    expect(m3.snapshots.map((s) => s['snapshot-id'])).toEqual([8n]);
    expect(m3.refs.audit).toBeUndefined();
    expect(m3['snapshot-log'].map((e) => e['snapshot-id'])).toEqual([8n]);
    const m4 = applyUpdates(m3, [{ action: 'remove-snapshot-ref', 'ref-name': 'main' }]);
    expect(m4['current-snapshot-id']).toBeUndefined();
  });

  it('tracks v3 row lineage', () => {
    const m = newTableMetadata({ schema, location: '/wh/t', formatVersion: 3 });
    const next = applyUpdates(m, [
      { action: 'add-snapshot', snapshot: snapshot(1n, 1n, undefined, { 'first-row-id': 0n, 'added-rows': 30n }) },
    ]);
    expect(next['next-row-id']).toBe(30n);
    expect(() =>
      applyUpdates(next, [
        { action: 'add-snapshot', snapshot: snapshot(2n, 2n, 1n, { 'first-row-id': 10n, 'added-rows': 1n }) },
      ]),
    ).toThrow(/behind/);
  });

  it('evolves schema, spec and sort order with -1 meaning the last added', () => {
    const m = base();
    const added: Schema = {
      ...(m.schemas[0] as Schema),
      fields: [...(m.schemas[0] as Schema).fields, { id: 7, name: 'extra', required: false, type: 'string' }],
    };
    const next = applyUpdates(m, [
      { action: 'add-schema', schema: added },
      { action: 'set-current-schema', 'schema-id': -1 },
      {
        action: 'add-spec',
        spec: { 'spec-id': 0, fields: [{ 'source-id': 7, 'field-id': 1000, name: 'extra', transform: 'identity' }] },
      },
      { action: 'set-default-spec', 'spec-id': -1 },
      {
        action: 'add-sort-order',
        'sort-order': {
          'order-id': 0,
          fields: [{ 'source-id': 1, transform: 'identity', direction: 'asc', 'null-order': 'nulls-first' }],
        },
      },
      { action: 'set-default-sort-order', 'sort-order-id': -1 },
      { action: 'upgrade-format-version', 'format-version': 3 },
      { action: 'assign-uuid', uuid: '9c12d441-03fe-4693-9a96-a0705ddf69c1' },
      { action: 'set-location', location: 's3://b/moved/' },
      { action: 'set-properties', updates: { b: '2' } },
      { action: 'remove-properties', removals: ['a'] },
    ]);
    expect(next['current-schema-id']).toBe(1);
    expect(next['last-column-id']).toBe(7);
    expect(next['default-spec-id']).toBe(1);
    expect(next['last-partition-id']).toBe(1000);
    expect(next['default-sort-order-id']).toBe(1);
    expect(next['format-version']).toBe(3);
    expect(next['next-row-id']).toBe(0n);
    expect(next['table-uuid']).toBe('9c12d441-03fe-4693-9a96-a0705ddf69c1');
    expect(next.location).toBe('s3://b/moved');
    expect(next.properties).toEqual({ b: '2' });
    // Re-adding an identical schema reuses its id.
    expect(
      applyUpdates(next, [
        { action: 'add-schema', schema: added },
        { action: 'set-current-schema', 'schema-id': -1 },
      ])['current-schema-id'],
    ).toBe(1);
    expect(() => applyUpdates(m, [{ action: 'set-current-schema', 'schema-id': -1 }])).toThrow(InvalidUpdateError);
    expect(() => applyUpdates(next, [{ action: 'upgrade-format-version', 'format-version': 2 }])).toThrow(/downgrade/);
  });

  it('sets and removes statistics, refuses unknown actions', () => {
    const m = applyUpdates(base(), [{ action: 'add-snapshot', snapshot: snapshot(3n, 1n) }]);
    const stats = {
      'snapshot-id': 3n,
      'statistics-path': 's3://b/t/stats.puffin',
      'file-size-in-bytes': 10,
      'file-footer-size-in-bytes': 5,
      'blob-metadata': [],
    };
    const withStats = applyUpdates(m, [{ action: 'set-statistics', 'snapshot-id': 3n, statistics: stats }]);
    expect(withStats.statistics).toEqual([stats]);
    expect(applyUpdates(withStats, [{ action: 'remove-statistics', 'snapshot-id': 3n }]).statistics).toEqual([]);
    expect(() => applyUpdates(m, [{ action: 'explode' } as never])).toThrow(InvalidUpdateError);
  });
});
