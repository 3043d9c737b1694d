/**
 * `LocalFifoQueue`: the laptop stand-in for the SQS FIFO "commits" queue. Messages carry a group
 * (the table identifier, like `MessageGroupId`); within a group they are handed to the consumer
 * strictly in order and one batch at a time, so floe never races itself on one table. Different
 * groups run concurrently, as Lambda does for different FIFO groups.
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
  running: Promise<void> | undefined;
}

export class LocalFifoQueue<T> {
  readonly #options: Required<Omit<LocalFifoQueueOptions<T>, 'onDeadLetter'>> &
    Pick<LocalFifoQueueOptions<T>, 'onDeadLetter'>;
  readonly #groups = new Map<string, Group<T>>();
  #closed = false;
  #stopping = false;

  constructor(options: LocalFifoQueueOptions<T>) {
    this.#options = { batchSize: 10, maxAttempts: 3, retryDelayMs: 200, ...options };
  }

  /** Enqueues a message; resolves once accepted (like `SendMessage`), not once consumed. */
  async send(message: T): Promise<void> {
    if (this.#closed) throw new QueueClosedError();
    const name = this.#options.groupOf(message);
    let group = this.#groups.get(name);
    if (!group) {
      group = { pending: [], running: undefined };
      this.#groups.set(name, group);
    }
    group.pending.push(message);
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
    if (!options.drain) {
      this.#stopping = true;
      for (const group of this.#groups.values()) group.pending.length = 0;
    }
    await this.drain();
  }

  #pump(name: string, group: Group<T>): void {
    if (group.running || this.#stopping) return;
    const run = async (): Promise<void> => {
      // Let the current burst of sends land first, so it is consumed as one batch.
      await new Promise((resolve) => setImmediate(resolve));
      while (group.pending.length > 0 && !this.#stopping) {
        const batch = group.pending.slice(0, this.#options.batchSize);
        await this.#deliver(name, batch);
        group.pending.splice(0, batch.length);
      }
    };
    // `.finally` runs after the assignment below, so `running` never points at a settled run.
    group.running = run().finally(() => {
      group.running = undefined;
      if (group.pending.length === 0) this.#groups.delete(name);
      else this.#pump(name, group);
    });
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
