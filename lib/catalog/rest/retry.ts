/**
 * Retries of safe catalog requests (loads, `/v1/config`, the token endpoint): on 429, 502, 503,
 * 504 and connection errors, with exponential backoff and jitter, waiting at least what a
 * `Retry-After` header asks (Java's `ExponentialHttpRequestRetryStrategy`, 5 retries). Commits are
 * not retried here: the commit driver decides, because a commit may have landed.
 */

export interface HttpRetryPolicy {
  /** Retries after the first attempt (default 5, as Java). */
  maxRetries: number;
  /** First backoff (default 250 ms), doubled per retry. */
  baseDelayMs: number;
  /** Longest wait, also the cap on `Retry-After` (default 30 s). */
  maxDelayMs: number;
}

export const DEFAULT_HTTP_RETRY: HttpRetryPolicy = { maxRetries: 5, baseDelayMs: 250, maxDelayMs: 30_000 };

/** Statuses worth another try of a safe request: throttled, or the gateway/service is down. */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 502, 503, 504]);

/** Milliseconds a `Retry-After` header asks for (seconds or an HTTP date), or undefined. */
export function retryAfterMs(headers: Headers | undefined, now = Date.now()): number | undefined {
  const value = headers?.get('retry-after')?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** The wait before retry `retry` (1-based): backoff with jitter, at least `retryAfter`, capped. */
export function retryDelayMs(
  policy: HttpRetryPolicy,
  retry: number,
  retryAfter?: number,
  random: () => number = Math.random,
): number {
  const backoff = Math.min(policy.baseDelayMs * 2 ** Math.max(0, retry - 1), policy.maxDelayMs);
  // "Equal jitter": half fixed, half random, so concurrent clients spread out.
  const jittered = backoff / 2 + (backoff / 2) * random();
  return Math.round(Math.min(Math.max(jittered, retryAfter ?? 0), policy.maxDelayMs));
}

/** Resolves after `ms` (rejects when `signal` aborts). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
