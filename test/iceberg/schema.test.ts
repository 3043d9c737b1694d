import { describe, expect, it } from 'vitest';
import {
  addColumns,
  assignFreshIds,
  canPromote,
  findColumn,
  InvalidTypeError,
  indexFields,
  isPrimitive,
  parsePrimitive,
  promoteColumn,
  SchemaEvolutionError,
} from '../../lib/iceberg/schema.js';
import type { Schema } from '../../lib/iceberg/types.js';

const schema: Schema = {
  type: 'struct',
  'schema-id': 3,
  'identifier-field-ids': [1],
  fields: [
    { id: 1, name: 'id', required: true, type: 'int' },
    {
      id: 2,
      name: 'address',
      required: false,
      type: { type: 'struct', fields: [{ id: 5, name: 'City', required: false, type: 'string' }] },
    },
    {
      id: 3,
      name: 'tags',
      required: false,
      type: { type: 'list', 'element-id': 6, 'element-required': false, element: 'string' },
    },
    {
      id: 4,
      name: 'attrs',
      required: false,
      type: { type: 'map', 'key-id': 7, key: 'string', 'value-id': 8, 'value-required': true, value: 'decimal(9,2)' },
    },
  ],
};

describe('types', () => {
  it('parses every primitive', () => {
    for (const t of [
      'boolean',
      'int',
      'long',
      'float',
      'double',
      'date',
      'time',
      'timestamp',
      'timestamptz',
      'timestamp_ns',
      'timestamptz_ns',
      'string',
      'uuid',
      'binary',
      'unknown',
      'variant',
    ]) {
      expect(parsePrimitive(t).kind).toBe(t);
    }
    expect(parsePrimitive('decimal(38, 10)')).toEqual({ kind: 'decimal', precision: 38, scale: 10 });
    expect(parsePrimitive('fixed[16]')).toEqual({ kind: 'fixed', length: 16 });
    expect(() => parsePrimitive('varchar')).toThrow(InvalidTypeError);
    expect(isPrimitive('int')).toBe(true);
    expect(isPrimitive(schema.fields[1]!.type)).toBe(false);
  });

  it('promotes only where Iceberg allows', () => {
    expect(canPromote('int', 'long')).toBe(true);
    expect(canPromote('float', 'double')).toBe(true);
    expect(canPromote('decimal(9,2)', 'decimal(18, 2)')).toBe(true);
    expect(canPromote('decimal(9,2)', 'decimal(18,3)')).toBe(false);
    expect(canPromote('decimal(9,2)', 'decimal(8,2)')).toBe(false);
    expect(canPromote('long', 'int')).toBe(false);
    expect(canPromote('int', 'string')).toBe(false);
    expect(canPromote('string', 'string')).toBe(true);
  });
});

describe('lookup', () => {
  it('indexes nested fields, list elements and map keys/values', () => {
    const index = indexFields(schema);
    expect([...index.keys()].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(index.get(6)).toMatchObject({ name: 'element', type: 'string' });
    expect(index.get(8)).toMatchObject({ name: 'value', required: true });
  });

  it('finds columns by name and dotted path, optionally ignoring case', () => {
    expect(findColumn(schema, 'id')?.id).toBe(1);
    expect(findColumn(schema, 'address.City')?.id).toBe(5);
    expect(findColumn(schema, 'ADDRESS.city')).toBeUndefined();
    expect(findColumn(schema, 'ADDRESS.city', { caseInsensitive: true })?.id).toBe(5);
    expect(findColumn(schema, 'nope')).toBeUndefined();
  });
});

describe('evolution', () => {
  it('adds optional columns with fresh ids, nested ones included', () => {
    const { schema: next, lastColumnId } = addColumns(
      schema,
      [
        { name: 'note', type: 'string', doc: 'free text' },
        {
          name: 'pairs',
          type: { type: 'map', 'key-id': 0, key: 'string', 'value-id': 0, 'value-required': false, value: 'long' },
        },
      ],
      8,
    );
    expect(lastColumnId).toBe(12);
    expect(next['schema-id']).toBe(4);
    expect(next.fields.slice(4)).toEqual([
      { id: 9, name: 'note', required: false, type: 'string', doc: 'free text' },
      {
        id: 10,
        name: 'pairs',
        required: false,
        type: { type: 'map', 'key-id': 11, key: 'string', 'value-id': 12, 'value-required': false, value: 'long' },
      },
    ]);
    expect(schema.fields).toHaveLength(4);
  });

  it('rejects a duplicate name', () => {
    expect(() => addColumns(schema, [{ name: 'id', type: 'long' }], 8)).toThrow(SchemaEvolutionError);
    expect(() => addColumns(schema, [{ name: 'ID', type: 'long' }], 8, { caseInsensitive: true })).toThrow(/exists/);
  });

  it('widens a column, nested too, and refuses narrowing', () => {
    const next = promoteColumn(schema, 1, 'long');
    expect(next.fields[0]!.type).toBe('long');
    expect(next['schema-id']).toBe(4);
    const map = promoteColumn(schema, 8, 'decimal(12,2)', { schemaId: 9 });
    expect(map['schema-id']).toBe(9);
    expect(indexFields(map).get(8)!.type).toBe('decimal(12,2)');
    expect(() => promoteColumn(schema, 1, 'string')).toThrow(/from int to string/);
    expect(() => promoteColumn(schema, 99, 'long')).toThrow(/no such field/);
  });

  it('assigns fresh ids level by level and remaps identifier fields', () => {
    const shuffled: Schema = { ...schema, fields: [...schema.fields].reverse(), 'identifier-field-ids': [1] };
    const { schema: fresh, lastColumnId } = assignFreshIds(shuffled);
    expect(lastColumnId).toBe(8);
    expect(fresh['schema-id']).toBe(0);
    expect(fresh.fields.map((f) => [f.name, f.id])).toEqual([
      ['attrs', 1],
      ['tags', 2],
      ['address', 3],
      ['id', 4],
    ]);
    expect(fresh['identifier-field-ids']).toEqual([4]);
    expect([...indexFields(fresh).keys()].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });
});
