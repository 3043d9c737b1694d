/**
 * `LocalFifoQueue`: the laptop stand-in for the SQS FIFO "commits" queue. Messages carry a group
 * (the table identifier, like `MessageGroupId`); within a group they are handed to the consumer
 * strictly in order and one batch at a time, so floe never races itself on one table. Different
 * groups run concurrently, as Lambda does for different FIFO groups.
 *
 * A batching window (`batchWindowMs`, like Lambda's `MaximumBatchingWindowInSeconds`) holds a
 * group's batch until it is full (`batchSize`) or its oldest message has waited the window, so a
 * burst of small files becomes a few large commits (one snapshot each) instead of many small
 * ones. A message never waits longer than the window for company; `close()` flushes at once.
 *
 * Like SQS FIFO with a partial-batch processor, a failed batch is retried (with backoff) from its
 * first message, keeping order; after `maxAttempts` the batch goes to `onDeadLetter` and the
 * group moves on. Nothing here is durable: on a crash the landing-directory rescan and the
 * ingest-id dedup in the commit path (invariant 1) recover what was in flight.
 *
 * @example
 * const queue = new LocalFifoQueue<Request>({
 *   groupOf: (r) => r.table,
 *   consume: async (group, batch) => { await commitBatch(batch); },
 * });
 * await queue.send(request);
 * await queue.drain();
 */

export interface LocalFifoQueueOptions<T> {
  /** The FIFO group of a message (floe uses the table identifier). */
  groupOf(message: T): string;
  /** Processes one batch of one group; throwing retries the whole batch. */
  consume(group: string, batch: T[]): Promise<void>;
  /** Largest batch handed to `consume` (SQS FIFO allows 10). @default 10 */
  batchSize?: number;
  /**
   * Longest a message waits for its batch to fill before the group is consumed anyway (Lambda's
   * `MaximumBatchingWindowInSeconds`); 0 consumes whatever is waiting at once. @default 0
   */
  batchWindowMs?: number;
  /** Attempts per batch before it is dead-lettered. @default 3 */
  maxAttempts?: number;
  /** Delay before the first retry; doubles each attempt. @default 200 */
  retryDelayMs?: number;
  /** Receives a batch that failed `maxAttempts` times. @default drops it */
  onDeadLetter?(group: string, batch: T[], error: unknown): void;
}

/** Raised by `send` after `close()`: the queue no longer accepts messages. */
export class QueueClosedError extends Error {
  override name = 'QueueClosedError';
  constructor(options?: { cause?: unknown }) {
    super('the local commit queue is closed', options);
  }
}

interface Group<T> {
  pending: T[];
  /** `Date.now()` when each pending message arrived (parallel to `pending`). */
  arrivals: number[];
  running: Promise<void> | undefined;
  /** Ends the batching window early (batch full, or the queue closing). */
  wake: (() => void) | undefined;
}

export class LocalFifoQueue<T> {
  readonly #options: Required<Omit<LocalFifoQueueOptions<T>, 'onDeadLetter'>> &
    Pick<LocalFifoQueueOptions<T>, 'onDeadLetter'>;
  readonly #groups = new Map<string, Group<T>>();
  #closed = false;
  #stopping = false;
  /** Set by `close()`: pending batches are consumed without waiting out their window. */
  #flushing = false;

  constructor(options: LocalFifoQueueOptions<T>) {
    this.#options = { batchSize: 10, batchWindowMs: 0, maxAttempts: 3, retryDelayMs: 200, ...options };
  }

  /** Enqueues a message; resolves once accepted (like `SendMessage`), not once consumed. */
  async send(message: T): Promise<void> {
    if (this.#closed) throw new QueueClosedError();
    const name = this.#options.groupOf(message);
    let group = this.#groups.get(name);
    if (!group) {
      group = { pending: [], arrivals: [], running: undefined, wake: undefined };
      this.#groups.set(name, group);
    }
    group.pending.push(message);
    group.arrivals.push(Date.now());
    if (group.pending.length >= this.#options.batchSize) group.wake?.();
    this.#pump(name, group);
  }

  /** Messages accepted but not yet consumed, over all groups. */
  get depth(): number {
    let n = 0;
    for (const group of this.#groups.values()) n += group.pending.length;
    return n;
  }

  /** Resolves when every group is empty and idle. */
  async drain(): Promise<void> {
    for (;;) {
      const running = [...this.#groups.values()].map((g) => g.running).filter((p) => p !== undefined);
      if (running.length === 0) return;
      await Promise.all(running);
    }
  }

  /**
   * Stops accepting messages and waits for the batches in flight. With `{ drain: true }` the
   * pending messages are consumed first; otherwise they are dropped (they are recovered from the
   * landing directory on the next start).
   */
  async close(options: { drain?: boolean } = {}): Promise<void> {
    this.#closed = true;
    this.#flushing = true;
    if (!options.drain) {
      this.#stopping = true;
      for (const group of this.#groups.values()) {
        group.pending.length = 0;
        group.arrivals.length = 0;
      }
    }
    for (const group of this.#groups.values()) group.wake?.();
    await this.drain();
  }

  #pump(name: string, group: Group<T>): void {
    if (group.running || this.#stopping) return;
    const run = async (): Promise<void> => {
      // Let the current burst of sends land first, so it is consumed as one batch.
      await new Promise((resolve) => setImmediate(resolve));
      while (group.pending.length > 0 && !this.#stopping) {
        await this.#gather(group);
        if (this.#stopping || group.pending.length === 0) break;
        const batch = group.pending.slice(0, this.#options.batchSize);
        await this.#deliver(name, batch);
        group.pending.splice(0, batch.length);
        group.arrivals.splice(0, batch.length);
      }
    };
    // `.finally` runs after the assignment below, so `running` never points at a settled run.
    group.running = run().finally(() => {
      group.running = undefined;
      if (group.pending.length === 0) this.#groups.delete(name);
      else this.#pump(name, group);
    });
  }

  /** Waits until the group's batch is full or its oldest message has waited `batchWindowMs`. */
  async #gather(group: Group<T>): Promise<void> {
    const { batchSize, batchWindowMs } = this.#options;
    while (group.pending.length < batchSize && !this.#flushing) {
      const wait = (group.arrivals[0] ?? Date.now()) + batchWindowMs - Date.now();
      if (wait <= 0) return;
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          group.wake = undefined;
          resolve();
        };
        const timer = setTimeout(done, wait);
        group.wake = done;
      });
    }
  }

  async #deliver(name: string, batch: T[]): Promise<void> {
    const { maxAttempts, retryDelayMs } = this.#options;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.#options.consume(name, batch);
        return;
      } catch (error) {
        if (attempt >= maxAttempts || this.#stopping) {
          this.#options.onDeadLetter?.(name, batch, error);
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, retryDelayMs * 2 ** (attempt - 1)));
      }
    }
  }
}
