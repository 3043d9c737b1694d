/**
 * Reading a landed object exactly as its event announced it: by `versionId` when the event
 * carries one, so an overwrite between the event and the read cannot swap in other bytes (the
 * ingest id names that version; issue #11). An object or version that is gone (deleted after the
 * event) is `LandedObjectGoneError`, a rejection with an error report, not an endless retry.
 */
import { type FileIO, FileNotFoundError } from '../iceberg/file-io.js';
import type { LandedObject } from './landed-event.js';

/** The announced object (or its announced version) no longer exists: retrying cannot bring it back. */
export class LandedObjectGoneError extends Error {
  override name = 'LandedObjectGoneError';
  constructor(
    readonly uri: string,
    readonly versionId: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(
      versionId
        ? `version ${versionId} of ${uri} no longer exists (deleted after its event)`
        : `${uri} no longer exists (deleted after its event)`,
      options,
    );
  }
}

/** Streams the landed object at `uri`, pinned to `object.versionId` when set. */
export async function* readLandedObject(io: FileIO, uri: string, object: LandedObject): AsyncIterable<Uint8Array> {
  try {
    yield* io.readStream(uri, object.versionId ? { versionId: object.versionId } : undefined);
  } catch (error) {
    if (error instanceof FileNotFoundError) throw new LandedObjectGoneError(uri, object.versionId, { cause: error });
    throw error;
  }
}
