/**
 * `EventBridgeSink`: floe's commit events on an EventBridge bus (`FLOE_EVENT_BUS`, default the
 * account's `default` bus). PutEvents takes 10 entries per call; entries EventBridge reports as
 * failed are sent again once, then the call fails with `EventPublishError` (docs/events.md).
 */
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { EVENT_SOURCE, type FloeEvent } from '../lib/ingest/commit-events.js';
import type { EventSink } from '../lib/ingest/event-sink.js';

/** Raised when EventBridge did not accept every event. */
export class EventPublishError extends Error {
  override name = 'EventPublishError';
}

const ENTRIES_PER_CALL = 10;

export class EventBridgeSink implements EventSink {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly busName = 'default',
  ) {}

  /** Publishes the events, 10 per PutEvents call. */
  async publish(events: readonly FloeEvent[]): Promise<void> {
    const entries: PutEventsRequestEntry[] = events.map((event) => ({
      EventBusName: this.busName,
      Source: EVENT_SOURCE,
      DetailType: event.type,
      Detail: JSON.stringify(event.detail),
    }));
    for (let i = 0; i < entries.length; i += ENTRIES_PER_CALL) {
      let pending = entries.slice(i, i + ENTRIES_PER_CALL);
      for (let attempt = 1; pending.length > 0; attempt++) {
        const response = await this.client.send(new PutEventsCommand({ Entries: pending }));
        if (!response.FailedEntryCount) break;
        const failed = pending.filter((_, n) => response.Entries?.[n]?.ErrorCode);
        if (attempt >= 2) {
          const codes = [...new Set(response.Entries?.map((e) => e.ErrorCode).filter(Boolean))].join(', ');
          throw new EventPublishError(`EventBridge rejected ${failed.length} of ${pending.length} events (${codes})`);
        }
        pending = failed;
      }
    }
  }
}

/** The sink for the handlers: the bus named by `FLOE_EVENT_BUS` (`default` when unset, none when `off`). */
export function eventSinkFromEnvironment(env: NodeJS.ProcessEnv = process.env): EventSink | undefined {
  const bus = env.FLOE_EVENT_BUS ?? 'default';
  if (bus === 'off') return undefined;
  return new EventBridgeSink(new EventBridgeClient({}), bus);
}
