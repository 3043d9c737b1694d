import { describe, expect, it } from 'vitest';
import { serializeValue } from '../../lib/iceberg/bounds.js';
import { integerStorage } from '../../lib/iceberg/integer-storage.js';

describe('integerStorage', () => {
  it('names the width of every integer-stored primitive, matching its single-value bytes', () => {
    const kinds = [
      'int',
      'date',
      'long',
      'time',
      'timestamp',
      'timestamptz',
      'timestamp_ns',
      'timestamptz_ns',
    ] as const;
    for (const kind of kinds) {
      const width = integerStorage(kind);
      expect(serializeValue(kind, width === 'int32' ? 7 : 7n).length).toBe(width === 'int32' ? 4 : 8);
    }
    for (const kind of ['boolean', 'float', 'double', 'string', 'uuid', 'binary', 'decimal', 'fixed'] as const)
      expect(integerStorage(kind)).toBeUndefined();
  });
});
