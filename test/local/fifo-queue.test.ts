import { afterEach, describe, expect, it, vi } from 'vitest';
import { LocalFifoQueue, QueueClosedError } from '../../lib/local/fifo-queue.js';

interface Msg {
  table: string;
  n: number;
}

describe('LocalFifoQueue', () => {
  it('delivers each group in order, one batch at a time, batching what is waiting', async () => {
    // Prepare
    const seen: Record<string, number[][]> = {};
    let concurrentInGroup = 0;
    let maxConcurrentInGroup = 0;
    const queue = new LocalFifoQueue<Msg>({
      groupOf: (m) => m.table,
      batchSize: 3,
      consume: async (group, batch) => {
        concurrentInGroup++;
        maxConcurrentInGroup = Math.max(maxConcurrentInGroup, concurrentInGroup);
        await new Promise((r) => setTimeout(r, 5));
        seen[group] ??= [];
        seen[group].push(batch.map((m) => m.n));
        concurrentInGroup--;
      },
    });
    // Act
    for (let n = 0; n < 7; n++) await queue.send({ table: 'a', n });
    await queue.drain();
    // Assess
    expect(seen.a).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
    expect(maxConcurrentInGroup).toBe(1);
    expect(queue.depth).toBe(0);
  });

  it('runs different groups concurrently', async () => {
    let running = 0;
    let maxRunning = 0;
    const queue = new LocalFifoQueue<Msg>({
      groupOf: (m) => m.table,
      consume: async () => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        await new Promise((r) => setTimeout(r, 20));
        running--;
      },
    });
    await queue.send({ table: 'a', n: 1 });
    await queue.send({ table: 'b', n: 1 });
    await queue.drain();
    expect(maxRunning).toBe(2);
  });

  it('retries a failed batch from its first message, then dead-letters it and moves on', async () => {
    const attempts: number[][] = [];
    const dead: number[][] = [];
    const queue = new LocalFifoQueue<Msg>({
      groupOf: (m) => m.table,
      batchSize: 2,
      maxAttempts: 2,
      retryDelayMs: 1,
      consume: async (_group, batch) => {
        attempts.push(batch.map((m) => m.n));
        if (batch[0]?.n === 0) throw new Error('boom');
      },
      onDeadLetter: (_group, batch) => dead.push(batch.map((m) => m.n)),
    });
    for (let n = 0; n < 3; n++) await queue.send({ table: 'a', n });
    await queue.drain();
    expect(attempts).toEqual([[0, 1], [0, 1], [2]]);
    expect(dead).toEqual([[0, 1]]);
  });

  it('drains on close when asked and refuses new messages', async () => {
    const consumed: number[] = [];
    const queue = new LocalFifoQueue<Msg>({
      groupOf: (m) => m.table,
      consume: async (_g, batch) => {
        consumed.push(...batch.map((m) => m.n));
      },
    });
    await queue.send({ table: 'a', n: 1 });
    await queue.close({ drain: true });
    expect(consumed).toEqual([1]);
    await expect(queue.send({ table: 'a', n: 2 })).rejects.toBeInstanceOf(QueueClosedError);
  });

  describe('batching window', () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    function windowed(batchWindowMs: number) {
      const seen: number[][] = [];
      const queue = new LocalFifoQueue<Msg>({
        groupOf: (m) => m.table,
        batchSize: 4,
        batchWindowMs,
        consume: async (_group, batch) => {
          seen.push(batch.map((m) => m.n));
        },
      });
      return { queue, seen };
    }

    it('holds a partial batch until its oldest message has waited the window', async () => {
      vi.useFakeTimers();
      const { queue, seen } = windowed(300);
      await queue.send({ table: 'a', n: 0 });
      await queue.send({ table: 'a', n: 1 });
      await vi.advanceTimersByTimeAsync(200);
      await queue.send({ table: 'a', n: 2 });
      await vi.advanceTimersByTimeAsync(90);
      expect(seen).toEqual([]); // 290 ms: still gathering
      await vi.advanceTimersByTimeAsync(20);
      expect(seen).toEqual([[0, 1, 2]]); // one batch, not three
      expect(queue.depth).toBe(0);
    });

    it('consumes a full batch at once, without waiting out the window', async () => {
      vi.useFakeTimers();
      const { queue, seen } = windowed(10_000);
      for (let n = 0; n < 6; n++) await queue.send({ table: 'a', n });
      await vi.advanceTimersByTimeAsync(1);
      expect(seen).toEqual([[0, 1, 2, 3]]);
      await vi.advanceTimersByTimeAsync(10_000);
      expect(seen).toEqual([
        [0, 1, 2, 3],
        [4, 5],
      ]);
    });

    it('flushes a partial batch on close({ drain: true })', async () => {
      vi.useFakeTimers();
      const { queue, seen } = windowed(60_000);
      await queue.send({ table: 'a', n: 0 });
      await vi.advanceTimersByTimeAsync(5);
      expect(seen).toEqual([]);
      await queue.close({ drain: true });
      expect(seen).toEqual([[0]]);
    });
  });
});
