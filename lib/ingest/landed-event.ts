/**
 * Landed-object events as the "landed" SQS queue delivers them, decoded to `LandedObject`s:
 * - an S3 event notification (`{ Records: [{ eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', s3: {…} }] }`);
 *   keys are URL-encoded with `+` for spaces (S3 docs, "Event message structure");
 * - an EventBridge "Object Created" event (`{ 'detail-type': 'Object Created', source: 'aws.s3', detail: {…} }`);
 * - an SNS envelope around either (`{ Type: 'Notification', Message: '…' }`);
 * - `s3:TestEvent`, sent when a notification is configured, and non-create events: ignored.
 */
export interface LandedObject {
  bucket: string;
  key: string;
  size?: number;
  etag?: string;
  versionId?: string;
  /** Event time, epoch ms. */
  eventTime: number;
}

/** Raised for a body that is none of the accepted shapes (acknowledged as poison, not retried). */
export class UnrecognizedEventError extends Error {
  override name = 'UnrecognizedEventError';
}

interface S3Record {
  eventSource?: string;
  eventName?: string;
  eventTime?: string;
  s3?: {
    bucket?: { name?: string };
    object?: { key?: string; size?: number; eTag?: string; versionId?: string | null };
  };
}

/** Decodes an S3 notification key: form-encoded (`+` is a space). */
export function decodeS3EventKey(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, ' '));
}

/** Decodes one parsed event body into the objects it announces (empty for test events and deletes). */
export function landedObjectsFrom(event: unknown): LandedObject[] {
  if (!event || typeof event !== 'object') throw new UnrecognizedEventError('event is not an object');
  const e = event as Record<string, unknown>;
  if (e.Event === 's3:TestEvent') return [];
  if (e.Type === 'Notification' && typeof e.Message === 'string') return landedObjectsFrom(JSON.parse(e.Message));
  if (Array.isArray(e.Records)) {
    const out: LandedObject[] = [];
    for (const record of e.Records as S3Record[]) {
      if (record.eventSource !== 'aws:s3' || !record.eventName?.startsWith('ObjectCreated:')) continue;
      const bucket = record.s3?.bucket?.name;
      const key = record.s3?.object?.key;
      if (!bucket || key === undefined) throw new UnrecognizedEventError('S3 record lacks bucket or key');
      out.push({
        bucket,
        key: decodeS3EventKey(key),
        size: record.s3?.object?.size,
        etag: record.s3?.object?.eTag,
        versionId: record.s3?.object?.versionId ?? undefined,
        eventTime: record.eventTime ? Date.parse(record.eventTime) : Date.now(),
      });
    }
    return out;
  }
  if (e.source === 'aws.s3' && typeof e['detail-type'] === 'string') {
    if (e['detail-type'] !== 'Object Created') return [];
    const detail = e.detail as {
      bucket?: { name?: string };
      object?: { key?: string; size?: number; etag?: string; 'version-id'?: string };
    };
    const bucket = detail?.bucket?.name;
    const key = detail?.object?.key;
    if (!bucket || key === undefined) throw new UnrecognizedEventError('EventBridge event lacks bucket or key');
    return [
      {
        bucket,
        // Decoded like notification keys: S3 sends EventBridge keys URL-encoded as well.
        key: decodeS3EventKey(key),
        size: detail.object?.size,
        etag: detail.object?.etag,
        versionId: detail.object?.['version-id'],
        eventTime: typeof e.time === 'string' ? Date.parse(e.time) : Date.now(),
      },
    ];
  }
  throw new UnrecognizedEventError('not an S3 notification, EventBridge S3 event or SNS envelope');
}
