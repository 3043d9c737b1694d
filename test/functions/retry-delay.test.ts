import { describe, expect, it } from 'vitest';
import { COMMIT_BACKOFF, CONVERT_BACKOFF, queueUrlOf, retryDelaySeconds } from '../../functions/retry-delay.js';
import { tracingMiddlewares } from '../../functions/tracing.js';

describe('retry delays', () => {
  it('double with each receive from the base and stop at the cap', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((n) => retryDelaySeconds(n, CONVERT_BACKOFF))).toEqual([
      10, 20, 40, 80, 160, 320, 640, 900,
    ]);
    expect([1, 2, 7, 100].map((n) => retryDelaySeconds(n, COMMIT_BACKOFF))).toEqual([5, 10, 300, 300]);
    // A missing or odd receive count is treated as the first receive.
    expect(retryDelaySeconds(Number.NaN, COMMIT_BACKOFF)).toBe(5);
  });

  it('derive the queue URL from the event source ARN', () => {
    expect(queueUrlOf('arn:aws:sqs:eu-west-1:123456789012:floe-commits.fifo')).toBe(
      'https://sqs.eu-west-1.amazonaws.com/123456789012/floe-commits.fifo',
    );
    expect(queueUrlOf('arn:aws-cn:sqs:cn-north-1:123456789012:q')).toBe(
      'https://sqs.cn-north-1.amazonaws.com.cn/123456789012/q',
    );
  });
});

describe('optional tracing', () => {
  it('adds no middleware unless FLOE_TRACING=true, then Powertools captureLambdaHandler', async () => {
    expect(await tracingMiddlewares({})).toEqual([]);
    expect(await tracingMiddlewares({ FLOE_TRACING: 'false' })).toEqual([]);
    const on = await tracingMiddlewares({ FLOE_TRACING: 'true', POWERTOOLS_SERVICE_NAME: 'floe' });
    expect(on).toHaveLength(1);
    expect(typeof on[0]!.before).toBe('function');
    expect(typeof on[0]!.after).toBe('function');
  });
});
