/**
 * The backfill step contract (lib/ingest/backfill-contract.ts): a bad execution input or plan is
 * a BackfillInputError (not retried) whose message names the first problem, in a fixed order of
 * checks: table, mode, exactly one source, select/where, s3:// URIs, chunk limits, identifier.
 */
import { describe, expect, it } from 'vitest';
import { BackfillInputError, parseBackfillRequest, parsePlan } from '../../lib/ingest/backfill-contract.js';

function messageOf(parse: () => unknown): string {
  try {
    parse();
  } catch (error) {
    expect(error).toBeInstanceOf(BackfillInputError);
    return (error as Error).message;
  }
  throw new Error('expected a BackfillInputError');
}

describe('parseBackfillRequest', () => {
  it.each([
    [undefined, 'backfill input needs "table" ("ns.table")'],
    [[], 'backfill input needs "table" ("ns.table")'],
    [{ table: ' ' }, 'backfill input needs "table" ("ns.table")'],
    [{ table: 5, mode: 'x' }, 'backfill input needs "table" ("ns.table")'],
    [{ table: 'a.b', mode: 3 }, 'backfill "mode" must be append or replace-partitions, not 3'],
    [
      { table: 'a.b', source: 's3://b/', manifest: 's3://b/m' },
      'backfill input needs exactly one of "source" (s3://bucket/prefix/), "manifest" and "fromTable" (ns.table)',
    ],
    [
      { table: 'a.b', maxChunkFiles: 0 },
      'backfill input needs exactly one of "source" (s3://bucket/prefix/), "manifest" and "fromTable" (ns.table)',
    ],
    [{ table: 'a.b', fromTable: 'x.y', select: 5, source: 5 }, 'backfill "select" must be SQL text'],
    [{ table: 'a.b', source: 'file:///x', maxChunkFiles: 0 }, 'backfill "source" must be an s3:// URI, not file:///x'],
    [{ table: 'a.b', source: 's3://b/', maxChunkBytes: 1.5 }, 'backfill "maxChunkBytes" must be a positive integer'],
  ])('rejects %j: %s', (input, message) => {
    expect(messageOf(() => parseBackfillRequest(input))).toBe(message);
  });

  it('reports a bad transform before a bad chunk limit, with the transform error as cause', () => {
    const message = messageOf(() =>
      parseBackfillRequest({ table: 'a.b', fromTable: 'x.y', where: 'nope(id)', maxChunkFiles: 0 }),
    );
    expect(message).toMatch(/^backfill select\/where: .*nope/);
  });

  it('keeps every field of a valid input, defaults the mode to append and parses the table', () => {
    const input = { table: 'ns.t', source: 's3://b/p/', mode: null, maxChunkFiles: 3, extra: 1 };
    expect(parseBackfillRequest(input)).toEqual({
      ...input,
      mode: 'append',
      tableId: { namespace: ['ns'], name: 't' },
    });
  });
});

describe('parsePlan', () => {
  it('names a missing field before an unknown mode, and keeps the fields it does not check', () => {
    const lacks = 'payload lacks the plan ({ backfillId, table, mode, location, ... })';
    expect(messageOf(() => parsePlan(undefined))).toBe(lacks);
    expect(messageOf(() => parsePlan({ table: 't.a', mode: 'zz' }))).toBe(lacks);
    expect(messageOf(() => parsePlan({ backfillId: 'i', table: 't.a', location: 'l', mode: 'zz' }))).toBe(
      'plan has an unknown mode zz',
    );
    const plan = { backfillId: 'i', table: 't.a', location: 'l', mode: 'append', files: 2 };
    expect(parsePlan(plan)).toEqual({ ...plan, tableId: { namespace: ['t'], name: 'a' } });
  });
});
