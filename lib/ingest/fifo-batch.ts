/**
 * The FIFO bookkeeping of a commit batch (λ commit, issue 16): which messages to commit, which
 * to hand back for redelivery, which to drop. As Powertools' `SqsFifoPartialProcessor` with
 * `skipGroupOnError`, a message group (one table) is committed together or not at all: if any
 * of its messages cannot be read yet, every message of the group is reported failed, so SQS
 * redelivers the group in order and other tables are unaffected. A message that is not a
 * commit request at all ({@link errorKind} `bad-request`) is dropped (acknowledged, logged).
 */
import { errorKind } from './error-kind.js';

/** One message of the batch, decoded into a request or not. */
export type DecodedMessage<T> =
  | { messageId: string; group: string; request: T }
  | { messageId: string; group: string; error: unknown };

export interface FifoBatchPlan<T> {
  /** Requests to commit, in batch order. */
  runnable: Array<{ messageId: string; request: T }>;
  /** Messages to report in `batchItemFailures` (redelivered in order with their group). */
  failed: string[];
  /** Messages that are not commit requests: acknowledged and logged, never retried. */
  dropped: Array<{ messageId: string; error: unknown }>;
}

/** Splits a decoded FIFO batch into what to commit, retry and drop (linear in the batch size). */
export function planFifoBatch<T>(messages: readonly DecodedMessage<T>[]): FifoBatchPlan<T> {
  const dropped: FifoBatchPlan<T>['dropped'] = [];
  const failedGroups = new Set<string>();
  for (const m of messages) {
    if (!('error' in m)) continue;
    if (errorKind(m.error) === 'bad-request') dropped.push({ messageId: m.messageId, error: m.error });
    else failedGroups.add(m.group);
  }
  const runnable: FifoBatchPlan<T>['runnable'] = [];
  const failed: string[] = [];
  for (const m of messages) {
    if (failedGroups.has(m.group)) {
      if (!('error' in m) || errorKind(m.error) !== 'bad-request') failed.push(m.messageId);
    } else if ('request' in m) {
      runnable.push({ messageId: m.messageId, request: m.request });
    }
  }
  return { runnable, failed, dropped };
}
