/**
 * `EventSink`: where floe announces what it did, for downstream consumers (issue #14). On AWS an
 * EventBridge bus (functions/event-bridge-sink.ts), locally an NDJSON file
 * (lib/local/ndjson-event-sink.ts). Delivery is at least once: consumers deduplicate on
 * `detail.eventId` (docs/events.md).
 */
import type { FloeEvent } from './commit-events.js';

export interface EventSink {
  /** Resolves once every event was accepted; throws otherwise (the caller retries). */
  publish(events: readonly FloeEvent[]): Promise<void>;
}

/** Drops every event (no bus configured). */
export const NO_EVENTS: EventSink = { publish: async () => {} };
