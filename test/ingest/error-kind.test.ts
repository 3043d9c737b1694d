import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CommitConflictError, CommitStateUnknownError } from '../../lib/catalog/errors.js';
import { BadInputError } from '../../lib/formats/bad-input-error.js';
import { decompress } from '../../lib/formats/decompress.js';
import { FileNotFoundError } from '../../lib/iceberg/file-io.js';
import { SchemaEvolutionError } from '../../lib/iceberg/schema.js';
import { BackfillInputError, BackfillPlanError } from '../../lib/ingest/backfill-plan.js';
import { asRetryable } from '../../lib/ingest/backfill-steps.js';
import { InvalidCommitRequestError } from '../../lib/ingest/commit-request.js';
import { ConfigError } from '../../lib/ingest/config.js';
import { DataFileCodecError } from '../../lib/ingest/data-file-codec.js';
import { errorKind, isBadInput, isRetryable, TransientError } from '../../lib/ingest/error-kind.js';
import { MissingObjectVersionError } from '../../lib/ingest/ingest-id.js';
import { RouteError } from '../../lib/ingest/route.js';

describe('errorKind', () => {
  it('classifies by class, not by name or message', () => {
    expect(errorKind(new BadInputError('not a number', { file: 'a.csv', line: 2 }))).toBe('bad-input');
    expect(errorKind(new RouteError('a.csv', 'no route'))).toBe('bad-input');
    expect(errorKind(new SchemaEvolutionError('narrowing'))).toBe('bad-input');
    expect(errorKind(new MissingObjectVersionError('k'))).toBe('bad-input');
    expect(errorKind(new InvalidCommitRequestError('garbage'))).toBe('bad-request');
    expect(errorKind(new DataFileCodecError('garbage'))).toBe('bad-request');
    expect(errorKind(new BackfillInputError('no table'))).toBe('bad-request');
    expect(errorKind(new BackfillPlanError('no such key'))).toBe('bad-request');
    expect(errorKind(new ConfigError('bad yaml'))).toBe('bad-request');
    expect(errorKind(new CommitConflictError('409'))).toBe('transient');
    expect(errorKind(new FileNotFoundError('s3://b/k'))).toBe('transient');
    // A look-alike name does not make an error bad input.
    const lookalike = Object.assign(new Error('x'), { name: 'BadInputError' });
    expect(isBadInput(lookalike)).toBe(false);
    expect(isRetryable(lookalike)).toBe(true);
  });
});

describe('asRetryable (backfill steps)', () => {
  it('wraps unexpected errors as TransientError, keeps deterministic and catalog-retried ones', () => {
    const socket = new Error('socket hang up');
    const wrapped = asRetryable(socket) as Error;
    expect(wrapped).toBeInstanceOf(TransientError);
    expect(wrapped.name).toBe('TransientError');
    expect(wrapped.cause).toBe(socket);
    for (const kept of [
      new BackfillInputError('bad'),
      new InvalidCommitRequestError('bad'),
      new CommitConflictError('409'),
      new CommitStateUnknownError('503'),
    ]) {
      expect(asRetryable(kept)).toBe(kept);
    }
  });
});

describe('decompress', () => {
  it('passes a fault of the source through for a retry instead of calling the bytes corrupt', async () => {
    const gz = gzipSync(Buffer.from('a,b\n'.repeat(10_000)));
    const fault = Object.assign(new Error('socket closed by peer'), { name: 'SocketError' });
    async function* flaky() {
      yield new Uint8Array(gz.subarray(0, 100));
      throw fault;
    }
    const read = async () => {
      for await (const _ of decompress(flaky(), 'gzip', 'a.csv.gz', 1 << 30));
    };
    await expect(read()).rejects.toBe(fault);
  });

  it('still calls a truncated stream corrupt input', async () => {
    const gz = gzipSync(Buffer.from('a,b\n'.repeat(10_000)));
    async function* truncated() {
      yield new Uint8Array(gz.subarray(0, gz.length - 20));
    }
    const read = async () => {
      for await (const _ of decompress(truncated(), 'gzip', 'a.csv.gz', 1 << 30));
    };
    await expect(read()).rejects.toThrow(BadInputError);
  });
});
