/**
 * The spill decision of the ConvertChunk step: a convert result travels inline through the state
 * machine only when its whole JSON fits the budget (FLOE_BACKFILL_INLINE_BYTES), since CommitBatch
 * receives chunksPerCommit of them under Step Functions' 256 KiB input limit.
 */
import { describe, expect, it } from 'vitest';
import { inlineResultBytesFrom } from '../../functions/backfill-context.js';
import { type ConvertedChunk, DEFAULT_INLINE_RESULT_BYTES, inlineOrSpill } from '../../lib/ingest/backfill-steps.js';

const SPILL = 's3://landing/_floe/backfill/b0123/converted/chunk-000007.json';
const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value));

function converted(rejections: number): ConvertedChunk {
  return {
    chunk: 7,
    files: 40,
    converted: 40 - rejections,
    skipped: 0,
    rejected: rejections,
    rows: 4000,
    dataFiles: 40 - rejections,
    rejections: Array.from({ length: rejections }, (_, i) => ({
      path: `s3://landing/landing/orders/2024-01-${String(i + 1).padStart(2, '0')}/part-${i}.csv`,
      reason: `line 2, column amount: "x${i}" is not a double`,
      reportPath: `s3://landing/_floe/errors/landing/orders/part-${i}.csv.json`,
    })),
  };
}
const requests = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    ingestId: `id-${i}`,
    dataFiles: [{ file_path: `s3://w/t/data/${i}.parquet` }],
  }));

describe('inlineOrSpill', () => {
  it('keeps a result inline, requests and all, when its JSON fits the budget', () => {
    const result = converted(2);
    const fitted = inlineOrSpill(result, requests(3), 10_000, SPILL);
    expect(fitted.spill).toBeUndefined();
    expect(fitted.result.requests).toEqual(requests(3));
    expect(fitted.result.spilled).toBeUndefined();
    expect(fitted.result.rejections).toHaveLength(2);
    expect(bytes(fitted.result)).toBeLessThanOrEqual(10_000);
  });

  it('counts the whole result, not only its requests, against the budget', () => {
    const result = converted(20);
    const small = requests(1);
    const budget = bytes({ ...result, requests: small }) - 1;
    expect(bytes(small)).toBeLessThan(budget);
    const fitted = inlineOrSpill(result, small, budget, SPILL);
    expect(fitted.result.spilled).toBe(SPILL);
    expect(fitted.result.requests).toBeUndefined();
    expect(JSON.parse(fitted.spill as string)).toEqual(small);
    expect(bytes(fitted.result)).toBeLessThanOrEqual(budget);
  });

  it('spills the requests and drops listed rejections until the result fits, keeping the counts', () => {
    const result = converted(20);
    const budget = 1000; // chunksPerCommit ≈ 200 in the stack
    const fitted = inlineOrSpill(result, requests(40), budget, SPILL);
    expect(fitted.result.spilled).toBe(SPILL);
    expect(JSON.parse(fitted.spill as string)).toHaveLength(40);
    expect(bytes(fitted.result)).toBeLessThanOrEqual(budget);
    expect(fitted.result.rejections.length).toBeGreaterThan(0);
    expect(fitted.result.rejections.length).toBeLessThan(20);
    expect(fitted.result.rejections).toEqual(result.rejections.slice(0, fitted.result.rejections.length));
    expect(fitted.result.rejected).toBe(20);
    // The caller's result is not changed.
    expect(result.rejections).toHaveLength(20);
  });

  it('with a budget of 0 always spills, and lists no rejections', () => {
    const fitted = inlineOrSpill(converted(3), [], 0, SPILL);
    expect(fitted.spill).toBe('[]');
    expect(fitted.result.rejections).toEqual([]);
  });
});

describe('FLOE_BACKFILL_INLINE_BYTES', () => {
  it('is read as a non-negative integer, defaulting when unset', () => {
    expect(inlineResultBytesFrom(undefined)).toBeUndefined();
    expect(inlineResultBytesFrom('')).toBeUndefined();
    expect(inlineResultBytesFrom('51200')).toBe(51200);
    expect(inlineResultBytesFrom('0')).toBe(0);
    expect(() => inlineResultBytesFrom('32k')).toThrow(/FLOE_BACKFILL_INLINE_BYTES/);
    expect(() => inlineResultBytesFrom('-1')).toThrow(expect.objectContaining({ name: 'EnvironmentError' }));
    expect(DEFAULT_INLINE_RESULT_BYTES).toBe(32 * 1024);
  });
});
