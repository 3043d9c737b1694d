/**
 * `CommitRequest`: what convert sends to commit for one landed object (one FIFO message).
 * Serialized with `encodeCommitRequest` / `decodeCommitRequest` (lossless data file metadata,
 * see data-file-codec.ts). A request too large for SQS (256 KB) travels as a `SpilledCommitRequest`
 * pointer to an S3 object holding the encoded request.
 */
import type { TableIdentifier } from '../catalog/catalog.js';
import type { DataFile } from '../iceberg/types.js';
import { decodeDataFile, encodeDataFile } from './data-file-codec.js';

export interface CommitRequest {
  /** From (bucket, key, version); the dedup key (invariant 1). */
  ingestId: string;
  table: TableIdentifier;
  sourceBucket: string;
  sourceKey: string;
  etag?: string;
  versionId?: string;
  dataFiles: DataFile[];
  rows: number;
  /** Bytes of the landed object. */
  bytes: number;
  /** When the object landed (S3 event time), epoch ms; for landing→commit latency. */
  landedAt: number;
  /** Schema and spec the data files were written with. */
  schemaId: number;
  specId: number;
}

/** The SQS body when the request was spilled to S3 (`FLOE_SPILL_PREFIX`). */
export interface SpilledCommitRequest {
  spilled: string;
  ingestId: string;
  table: TableIdentifier;
}

/** Raised for a message body that is not a commit request (poison message, acknowledged). */
export class InvalidCommitRequestError extends Error {
  override name = 'InvalidCommitRequestError';
}

/** The request as JSON text. */
export function encodeCommitRequest(request: CommitRequest): string {
  return JSON.stringify({ v: 1, ...request, dataFiles: request.dataFiles.map(encodeDataFile) });
}

/** Parses a message body: a full request, or a spill pointer. */
export function decodeCommitMessage(body: string): CommitRequest | SpilledCommitRequest {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(body) as Record<string, unknown>;
  } catch (error) {
    throw new InvalidCommitRequestError('commit message is not JSON', { cause: error });
  }
  if (typeof raw?.ingestId !== 'string' || typeof raw.table !== 'object' || raw.table === null) {
    throw new InvalidCommitRequestError('commit message lacks ingestId or table');
  }
  if (typeof raw.spilled === 'string') return raw as unknown as SpilledCommitRequest;
  return decodeCommitRequest(body, raw);
}

/** Parses an encoded request. */
export function decodeCommitRequest(body: string, parsed?: Record<string, unknown>): CommitRequest {
  const raw = parsed ?? (JSON.parse(body) as Record<string, unknown>);
  if (!Array.isArray(raw.dataFiles) || typeof raw.sourceKey !== 'string') {
    throw new InvalidCommitRequestError(`commit request ${String(raw.ingestId)} lacks dataFiles or sourceKey`);
  }
  const { v: _version, ...rest } = raw;
  return {
    ...(rest as unknown as CommitRequest),
    dataFiles: (raw.dataFiles as Array<Record<string, unknown>>).map(decodeDataFile),
  };
}

/** Type guard for a spill pointer. */
export function isSpilled(message: CommitRequest | SpilledCommitRequest): message is SpilledCommitRequest {
  return 'spilled' in message;
}

/** Resolves a message to the full request, reading a spilled one from storage. */
export async function loadCommitRequest(
  message: CommitRequest | SpilledCommitRequest,
  io: { read(path: string): Promise<Uint8Array> },
): Promise<CommitRequest> {
  if (!isSpilled(message)) return message;
  return decodeCommitRequest(new TextDecoder().decode(await io.read(message.spilled)));
}
