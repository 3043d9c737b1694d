import { describe, expect, it } from 'vitest';
import { InvalidCommitRequestError } from '../../lib/ingest/commit-request.js';
import { DataFileCodecError } from '../../lib/ingest/data-file-codec.js';
import { type DecodedMessage, planFifoBatch } from '../../lib/ingest/fifo-batch.js';

const ok = (messageId: string, group: string): DecodedMessage<string> => ({
  messageId,
  group,
  request: `r-${messageId}`,
});
const bad = (messageId: string, group: string, error: unknown): DecodedMessage<string> => ({ messageId, group, error });

describe('planFifoBatch', () => {
  it('commits whole groups, retries a group with an unreadable message, drops messages that are not requests', () => {
    const plan = planFifoBatch([
      ok('1', 'a'),
      ok('2', 'b'),
      bad('3', 'a', new Error('spilled request not readable yet')),
      ok('4', 'a'),
      bad('5', 'b', new InvalidCommitRequestError('not json')),
      bad('6', 'c', new DataFileCodecError('garbage')),
      ok('7', 'c'),
    ]);
    // Group a: every message back for redelivery, in order; b and c commit without their poison messages.
    expect(plan.failed).toEqual(['1', '3', '4']);
    expect(plan.runnable).toEqual([
      { messageId: '2', request: 'r-2' },
      { messageId: '7', request: 'r-7' },
    ]);
    expect(plan.dropped.map((d) => d.messageId)).toEqual(['5', '6']);
  });

  it('a poison message in a retried group is dropped, not retried', () => {
    const plan = planFifoBatch([bad('1', 'a', new InvalidCommitRequestError('x')), bad('2', 'a', new Error('later'))]);
    expect(plan).toMatchObject({ failed: ['2'], runnable: [], dropped: [{ messageId: '1' }] });
  });

  it('fails exactly the messages of the failed group among many', () => {
    const messages = Array.from({ length: 10_000 }, (_, i) => ok(String(i), `g${i % 100}`));
    messages[5] = bad('5', 'g5', new Error('x'));
    const plan = planFifoBatch(messages);
    expect(plan.failed).toHaveLength(100);
    expect(plan.runnable).toHaveLength(9_900);
  });
});
