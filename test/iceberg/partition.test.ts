import { describe, expect, it } from 'vitest';
import { murmur3x86_32 } from '../../lib/iceberg/murmur3.js';
import {
  applyTransform,
  formatTransform,
  hashValue,
  humanValue,
  parseTransform,
  partitionPath,
  partitionToHuman,
  partitionType,
  TransformError,
  transformResultType,
  urlEscape,
} from '../../lib/iceberg/partition.js';
import type { PartitionSpec, Schema } from '../../lib/iceberg/types.js';

const day = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / 86_400_000;
const micros = (iso: string) => BigInt(Date.parse(iso)) * 1000n;

describe('bucket hash (spec Appendix B test values)', () => {
  it('hashes the spec examples', () => {
    expect(hashValue('int', 34)).toBe(2017239379);
    expect(hashValue('long', 34n)).toBe(2017239379);
    expect(hashValue('decimal(9,2)', 1420n)).toBe(-500754589);
    expect(hashValue('date', day('2017-11-16'))).toBe(-653330422);
    expect(hashValue('time', 81068000000n)).toBe(-662762989);
    expect(hashValue('timestamp', micros('2017-11-16T22:31:08Z'))).toBe(-2047944441);
    expect(hashValue('timestamptz', micros('2017-11-16T14:31:08-08:00'))).toBe(-2047944441);
    expect(hashValue('timestamp_ns', micros('2017-11-16T22:31:08Z') * 1000n + 1001n)).toBe(-1207196810);
    expect(hashValue('string', 'iceberg')).toBe(1210000089);
    expect(hashValue('uuid', 'f79c3e09-677c-4bbd-a479-3f349cb785e7')).toBe(1488055340);
    expect(hashValue('fixed[4]', new Uint8Array([0, 1, 2, 3]))).toBe(-188683207);
    expect(hashValue('binary', new Uint8Array([0, 1, 2, 3]))).toBe(-188683207);
  });

  it('murmur3 handles every tail length', () => {
    // The spec vectors above cover tails of 0 (long), 2 (decimal) and 3 ("iceberg") bytes.
    expect(murmur3x86_32(new Uint8Array())).toBe(0);
    expect(murmur3x86_32(new TextEncoder().encode('a'))).toBe(1009084850);
  });

  it('bucket[N] drops the sign bit then takes the modulo', () => {
    expect(applyTransform('bucket[100]', 'int', 34)).toBe(79);
    expect(applyTransform('bucket[100]', 'decimal(9,2)', 1420n)).toBe(59);
    // A negative hash still lands in [0, N).
    expect(applyTransform('bucket[16]', 'string', 'iceberg')).toBe(1210000089 % 16);
    expect(applyTransform('bucket[16]', 'date', day('2017-11-16'))).toBe((-653330422 & 0x7fffffff) % 16);
    expect(applyTransform('bucket[16]', 'int', null)).toBeNull();
  });
});

describe('transforms', () => {
  it('parses and prints every transform', () => {
    for (const text of ['identity', 'bucket[16]', 'truncate[10]', 'year', 'month', 'day', 'hour', 'void']) {
      expect(formatTransform(parseTransform(text))).toBe(text);
    }
    expect(parseTransform('days')).toEqual({ type: 'day' });
    expect(parseTransform('zorder')).toEqual({ type: 'unknown', text: 'zorder' });
  });

  it('result types follow the spec table', () => {
    expect(transformResultType('identity', 'decimal(9,2)')).toBe('decimal(9,2)');
    expect(transformResultType('bucket[4]', 'string')).toBe('int');
    expect(transformResultType('truncate[4]', 'string')).toBe('string');
    expect(transformResultType('year', 'timestamptz')).toBe('int');
    expect(transformResultType('month', 'date')).toBe('int');
    expect(transformResultType('day', 'timestamp_ns')).toBe('date');
    expect(transformResultType('hour', 'timestamptz_ns')).toBe('int');
    expect(transformResultType('void', 'long')).toBe('long');
    expect(() => transformResultType('hour', 'date')).toThrow(TransformError);
    expect(() => transformResultType('bucket[2]', 'float')).toThrow(TransformError);
    expect(() => transformResultType('truncate[2]', 'uuid')).toThrow(/truncate\[2\] cannot apply to uuid/);
  });

  it('truncate rounds integers toward -infinity and strings by code point', () => {
    expect(applyTransform('truncate[10]', 'int', 1)).toBe(0);
    expect(applyTransform('truncate[10]', 'int', -1)).toBe(-10);
    expect(applyTransform('truncate[10]', 'int', -10)).toBe(-10);
    expect(applyTransform('truncate[10]', 'long', -11n)).toBe(-20n);
    expect(applyTransform('truncate[50]', 'decimal(9,2)', 1065n)).toBe(1050n); // 10.65 → 10.50
    expect(applyTransform('truncate[10]', 'decimal(9,2)', -5n)).toBe(-10n);
    expect(applyTransform('truncate[3]', 'string', 'iceberg')).toBe('ice');
    expect(applyTransform('truncate[2]', 'string', '😀😁😂')).toBe('😀😁');
    expect(applyTransform('truncate[3]', 'binary', new Uint8Array([1, 2, 3, 4]))).toEqual(new Uint8Array([1, 2, 3]));
  });

  it('time transforms count from 1970 and floor before it', () => {
    const ts = micros('2017-12-01T10:12:55.038Z');
    expect(applyTransform('year', 'timestamp', ts)).toBe(47);
    expect(applyTransform('month', 'timestamp', ts)).toBe(575);
    expect(applyTransform('day', 'timestamp', ts)).toBe(day('2017-12-01'));
    expect(applyTransform('hour', 'timestamptz', ts)).toBe(420034);
    expect(applyTransform('day', 'date', 17501)).toBe(17501);
    expect(applyTransform('year', 'date', day('2017-12-01'))).toBe(47);
    // Before the epoch: 1969-12-31T23:59:59.999999 is hour -1, day -1, month -1, year -1.
    expect(applyTransform('hour', 'timestamp', -1n)).toBe(-1);
    expect(applyTransform('day', 'timestamp', -1n)).toBe(-1);
    expect(applyTransform('month', 'timestamp', -1n)).toBe(-1);
    expect(applyTransform('year', 'timestamp', -1n)).toBe(-1);
    expect(applyTransform('month', 'date', day('1969-01-15'))).toBe(-12);
    expect(applyTransform('year', 'date', day('1900-06-01'))).toBe(-70);
    expect(applyTransform('day', 'timestamp_ns', -1n)).toBe(-1);
    expect(applyTransform('hour', 'timestamp_ns', 3_600_000_000_000n)).toBe(1);
    expect(applyTransform('void', 'int', 5)).toBeNull();
    expect(applyTransform('identity', 'string', 'x')).toBe('x');
  });
});

describe('partition paths (Java partitionToPath)', () => {
  const schema: Schema = {
    type: 'struct',
    'schema-id': 0,
    fields: [
      { id: 1, name: 'id', required: true, type: 'long' },
      { id: 2, name: 'ts', required: false, type: 'timestamptz' },
      { id: 3, name: 'kind', required: false, type: 'string' },
      { id: 4, name: 'price', required: false, type: 'decimal(9,2)' },
      { id: 5, name: 'd', required: false, type: 'date' },
      { id: 6, name: 'blob', required: false, type: 'binary' },
      { id: 7, name: 'f', required: false, type: 'float' },
    ],
  };
  const spec: PartitionSpec = {
    'spec-id': 0,
    fields: [
      { 'source-id': 2, 'field-id': 1000, name: 'ts_day', transform: 'day' },
      { 'source-id': 2, 'field-id': 1001, name: 'ts_hour', transform: 'hour' },
      { 'source-id': 2, 'field-id': 1002, name: 'ts_month', transform: 'month' },
      { 'source-id': 2, 'field-id': 1003, name: 'ts_year', transform: 'year' },
      { 'source-id': 1, 'field-id': 1004, name: 'id_bucket', transform: 'bucket[16]' },
      { 'source-id': 3, 'field-id': 1005, name: 'kind', transform: 'identity' },
      { 'source-id': 4, 'field-id': 1006, name: 'price', transform: 'identity' },
    ],
  };

  it('formats human values, escapes and writes null', () => {
    const path = partitionPath(spec, schema, [17501, 420034, 575, 47, 3, 'a b/c=d', 1420n]);
    expect(path).toBe(
      'ts_day=2017-12-01/ts_hour=2017-12-01-10/ts_month=2017-12/ts_year=2017/id_bucket=3/kind=a+b%2Fc%3Dd/price=14.20',
    );
    expect(partitionPath(spec, schema, [null, null, null, null, null, null, null])).toBe(
      'ts_day=null/ts_hour=null/ts_month=null/ts_year=null/id_bucket=null/kind=null/price=null',
    );
    expect(partitionPath(spec, schema, [-1, -1, -1, -1, 0, 'é', -5n])).toBe(
      'ts_day=1969-12-31/ts_hour=1969-12-31-23/ts_month=1969-12/ts_year=1969/id_bucket=0/kind=%C3%A9/price=-0.05',
    );
  });

  it('shows identity values of every type as Java does', () => {
    expect(humanValue('identity', 'timestamptz', micros('2017-11-16T22:31:08.123Z'))).toBe(
      '2017-11-16T22:31:08.123+00:00',
    );
    expect(humanValue('identity', 'timestamp', 0n)).toBe('1970-01-01T00:00:00');
    expect(humanValue('identity', 'timestamp_ns', 1n)).toBe('1970-01-01T00:00:00.000000001');
    expect(humanValue('identity', 'time', 81068000001n)).toBe('22:31:08.000001');
    expect(humanValue('identity', 'date', -719162)).toBe('0001-01-01');
    expect(humanValue('identity', 'binary', new Uint8Array([0, 1, 2]))).toBe('AAEC');
    expect(humanValue('identity', 'float', Math.fround(0.1))).toBe('0.1');
    expect(humanValue('identity', 'double', 1)).toBe('1.0');
    expect(humanValue('identity', 'double', 1e10)).toBe('1.0E10');
    expect(humanValue('identity', 'boolean', true)).toBe('true');
    expect(humanValue('identity', 'decimal(9,2)', 5n)).toBe('0.05');
    expect(humanValue('identity', 'decimal(9,0)', -5n)).toBe('-5');
    expect(humanValue('truncate[4]', 'string', 'abcd')).toBe('abcd');
  });

  it('types the partition tuple by transform result', () => {
    expect(partitionType(spec, schema).fields.map((f) => [f.id, f.type])).toEqual([
      [1000, 'date'],
      [1001, 'int'],
      [1002, 'int'],
      [1003, 'int'],
      [1004, 'int'],
      [1005, 'string'],
      [1006, 'decimal(9,2)'],
    ]);
    expect(partitionToHuman(spec, schema, [17501, null, 575, 47, 3, 'x', 1420n])).toEqual({
      ts_day: '2017-12-01',
      ts_hour: null,
      ts_month: '2017-12',
      ts_year: '2017',
      id_bucket: '3',
      kind: 'x',
      price: '14.20',
    });
  });

  it('escapes like java.net.URLEncoder', () => {
    expect(urlEscape('a-b_c.d*e f+g~h')).toBe('a-b_c.d*e+f%2Bg%7Eh');
  });
});
