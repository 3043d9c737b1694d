/**
 * Every request of the embedded catalog runs under a deadline (default 30 s). When it passes,
 * the request is answered 503 (the spec's `ServiceUnavailableResponse`; a client treats a 503
 * on a commit as "state unknown" and reconciles), and its remaining work is abandoned: the
 * store calls {@link checkDeadline} before each state change (metadata file, pointer swap,
 * intent, delete), so a request answered 503 before its pointer swap never commits later.
 * The deadline travels with the request through AsyncLocalStorage, so no route has to pass it.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { ServerError } from './server-error.js';

/** Default deadline of one request (ms). */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/** A request ran past its deadline: answered 503, its remaining work abandoned. */
export class RequestDeadlineError extends ServerError {
  override name = 'RequestDeadlineError';
  constructor(timeoutMs: number) {
    super(503, 'ServiceUnavailableException', `the request did not finish within ${timeoutMs} ms; retry later`, {
      headers: { 'retry-after': '1' },
    });
  }
}

const current = new AsyncLocalStorage<AbortSignal>();

/**
 * Runs `work` under a deadline of `timeoutMs`. Resolves or rejects with `work`, or rejects with
 * {@link RequestDeadlineError} when the deadline passes first; `work` then keeps running
 * (a file system call cannot be cancelled) but every later {@link checkDeadline} in it throws.
 * Returns the work's own promise too, so a shutdown can wait for it.
 */
export function withDeadline<T>(timeoutMs: number, work: () => Promise<T>): { answer: Promise<T>; work: Promise<T> } {
  const controller = new AbortController();
  const running = current.run(controller.signal, work);
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new RequestDeadlineError(timeoutMs);
      controller.abort(error);
      reject(error);
    }, timeoutMs);
  });
  const answer = Promise.race([running, expired]).finally(() => clearTimeout(timer));
  // The loser of the race must not become an unhandled rejection.
  expired.catch(() => undefined);
  return { answer, work: running };
}

/** Throws the request's {@link RequestDeadlineError} when its deadline has passed (a no-op outside a request). */
export function checkDeadline(): void {
  current.getStore()?.throwIfAborted();
}
