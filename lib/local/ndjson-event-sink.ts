/**
 * `NdjsonEventSink`: `floe dev`'s commit events, one JSON line each, appended to
 * `.floe/events.ndjson` in the shape EventBridge delivers to a rule target (`source`,
 * `detail-type`, `time`, `detail`), so a consumer can be written once for both; `floe events
 * --follow` tails the file.
 */
import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EVENT_SOURCE, type FloeEvent } from '../ingest/commit-events.js';
import type { EventSink } from '../ingest/event-sink.js';

/** The events file under a floe home directory. */
export function eventsFile(root: string): string {
  return join(root, 'events.ndjson');
}

/** One event as its NDJSON line (an EventBridge-shaped envelope). */
export function eventLine(event: FloeEvent, now = Date.now()): string {
  return `${JSON.stringify({ source: EVENT_SOURCE, 'detail-type': event.type, time: new Date(now).toISOString(), detail: event.detail })}\n`;
}

export class NdjsonEventSink implements EventSink {
  constructor(
    readonly path: string,
    private readonly onEvent?: (event: FloeEvent) => void,
  ) {}

  /** Appends the events (one write, so lines from concurrent batches never interleave). */
  async publish(events: readonly FloeEvent[]): Promise<void> {
    if (events.length === 0) return;
    await appendFile(this.path, events.map((e) => eventLine(e)).join(''));
    for (const event of events) this.onEvent?.(event);
  }
}
