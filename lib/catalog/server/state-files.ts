/**
 * How the embedded catalog writes its own files (metadata files, pointers, namespace entries,
 * intents) so that an acknowledged change survives a crash and a lost race is seen:
 *
 * - local warehouse: write a temporary sibling, fsync it, rename it into place, fsync the
 *   directory (and a directory it had to create); a pointer swap happens only after the
 *   metadata file it names is durable. Conditions are not checked: the warehouse lock makes this
 *   process the only writer and the in-process mutex orders its commits.
 * - S3 warehouse with a client: `If-None-Match: *` creates, `If-Match: <etag>` replaces, so two
 *   servers racing on one pointer produce one winner and one 409 (never a lost commit).
 * - other FileIO (S3 without a client): plain writes; a single server only.
 */
import { randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  NoSuchKey,
  PutObjectCommand,
  type S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { type FileIO, FileNotFoundError } from '../../iceberg/file-io.js';
import { toLocalPath } from '../../storage/local.js';
import { parseS3Uri } from '../../storage/s3.js';
import { readRegularFile } from './special-files.js';

/** A state file's bytes and the version tag to make a conditional write against. */
export interface StateFile {
  bytes: Uint8Array;
  /** ETag on S3; undefined where conditions are not checked. */
  tag?: string;
}

/** Reads and durably writes the catalog's state files. */
export interface StateFiles {
  read(path: string): Promise<StateFile | undefined>;
  /**
   * Writes durably. `expected`: the tag the file must still have, `null` when it must not exist,
   * undefined for an unconditional write. Resolves false when the condition failed.
   */
  write(path: string, bytes: Uint8Array, expected?: string | null): Promise<boolean>;
  delete(path: string): Promise<void>;
}

/** Local files with fsync before every rename and of every directory changed; reads refuse special files. */
export function localStateFiles(): StateFiles {
  return {
    async read(path) {
      // Non-blocking open + fstat: a FIFO in place of a pointer must not hang the request.
      const bytes = await readRegularFile(toLocalPath(path));
      return bytes ? { bytes } : undefined;
    },
    async write(path, bytes) {
      const target = toLocalPath(path);
      await ensureDir(dirname(target));
      const temp = `${target}.${randomUUID()}.tmp`;
      const handle = await open(temp, 'w');
      try {
        await handle.writeFile(bytes);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, target);
      await syncDir(dirname(target));
      return true;
    },
    async delete(path) {
      const target = toLocalPath(path);
      await rm(target, { force: true });
      await syncDir(dirname(target)).catch(() => undefined);
    },
  };
}

/** Creates a directory (and missing parents), fsyncing each parent whose entries changed. */
async function ensureDir(dir: string): Promise<void> {
  const created = await mkdir(dir, { recursive: true });
  if (created === undefined) return;
  for (let d = dir; d.length >= created.length; d = dirname(d)) await syncDir(dirname(d));
}

async function syncDir(dir: string): Promise<void> {
  // O_DIRECTORY: something else in a directory's place fails at once instead of blocking (a FIFO).
  const handle = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** S3 objects with conditional writes (If-Match / If-None-Match), through `client`. */
export function s3StateFiles(client: S3Client): StateFiles {
  return {
    async read(path) {
      const { bucket, key } = parseS3Uri(path);
      try {
        const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return {
          bytes: await (out.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
          tag: out.ETag,
        };
      } catch (error) {
        if (error instanceof NoSuchKey || (error as { name?: string }).name === 'NoSuchKey') return undefined;
        throw error;
      }
    },
    async write(path, bytes, expected) {
      const { bucket, key } = parseS3Uri(path);
      try {
        await client.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: key,
            Body: bytes,
            ContentType: 'application/json',
            ...(expected === null ? { IfNoneMatch: '*' } : expected !== undefined ? { IfMatch: expected } : {}),
          }),
        );
        return true;
      } catch (error) {
        // 412 Precondition Failed, or 409 ConditionalRequestConflict: another writer won.
        const status = error instanceof S3ServiceException ? error.$metadata.httpStatusCode : undefined;
        if (status === 412 || status === 409) return false;
        throw error;
      }
    },
    async delete(path) {
      const { bucket, key } = parseS3Uri(path);
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    },
  };
}

/** Plain FileIO writes, unconditional (an S3 warehouse served without a client). */
export function fileIOStateFiles(io: FileIO): StateFiles {
  return {
    async read(path) {
      try {
        return { bytes: await io.read(path) };
      } catch (error) {
        if (error instanceof FileNotFoundError) return undefined;
        throw error;
      }
    },
    async write(path, bytes) {
      await io.write(path, bytes);
      return true;
    },
    delete: (path) => io.delete(path),
  };
}
