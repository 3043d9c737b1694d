/**
 * Fault hooks of the embedded server, for tests of the commit path: fail the next commits with
 * a status, apply a commit and then lose the response (answer 500 or drop the connection), drop
 * the connection before applying, add latency, revoke issued tokens.
 */

/** What happens to one commit request. */
export type CommitFault =
  | { kind: 'status'; status: 409 | 429 | 500 | 502 | 503 | 504 }
  | { kind: 'apply-then-status'; status: 500 | 502 | 503 | 504 }
  | { kind: 'drop' }
  | { kind: 'apply-then-drop' };

/** Queues faults for the next commit requests (`updateTable` and `transactions/commit`). */
export class FaultInjector {
  private queue: CommitFault[] = [];
  /** Added to every request (ms). */
  latencyMs = 0;
  /** Commits applied (including those whose response was then lost). */
  commitsApplied = 0;
  /** Commit requests received. */
  commitsReceived = 0;
  private tokenEpoch = 0;

  /** The next `count` commits fail with `status` and change nothing (429 carries `Retry-After: 1`). */
  failNextCommits(count: number, status: 409 | 429 | 500 | 502 | 503 | 504): this {
    for (let i = 0; i < count; i++) this.queue.push({ kind: 'status', status });
    return this;
  }

  /** The next `count` commits are applied, then answered with `status` (default 500): the response is lost. */
  applyThenFail(count = 1, status: 500 | 502 | 503 | 504 = 500): this {
    for (let i = 0; i < count; i++) this.queue.push({ kind: 'apply-then-status', status });
    return this;
  }

  /** The next `count` commits lose their connection; with `apply`, after the commit was applied. */
  dropConnection(count = 1, options: { apply?: boolean } = {}): this {
    for (let i = 0; i < count; i++) this.queue.push(options.apply ? { kind: 'apply-then-drop' } : { kind: 'drop' });
    return this;
  }

  /** Adds latency to every request. */
  addLatency(ms: number): this {
    this.latencyMs = ms;
    return this;
  }

  /** Invalidates every token issued so far: the next request with one gets a 401. */
  revokeTokens(): this {
    this.tokenEpoch += 1;
    return this;
  }

  /** The current token generation (tokens of older generations are refused). */
  get epoch(): number {
    return this.tokenEpoch;
  }

  /** Takes the fault for the commit now arriving, if any. */
  nextCommitFault(): CommitFault | undefined {
    this.commitsReceived += 1;
    return this.queue.shift();
  }

  /** Clears queued faults and latency. */
  reset(): void {
    this.queue = [];
    this.latencyMs = 0;
  }
}
