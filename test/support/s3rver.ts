/**
 * s3rver for tests: an S3 API on a random local port, backed by a temp directory, with the
 * buckets created up front. It runs in a child process (see s3rver-child.mjs for why). s3rver
 * emits S3-shaped event records on PUT, which stand in for bucket notifications (it has no
 * notification API); they are collected in `events`. It ignores conditional PUT headers.
 */
import { fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { S3Client } from '@aws-sdk/client-s3';
import type { StorageCredentials } from '../../lib/catalog/catalog.js';

export interface S3rverHandle {
  endpoint: string;
  port: number;
  /** Credentials s3rver accepts, shaped as a catalog would vend them. */
  credentials(prefix?: string): StorageCredentials;
  /** A path-style client with those credentials. */
  client: S3Client;
  /** S3 event notifications (`{ Records: [...] }`) for each PUT, in order. */
  events: Array<{ Records: Array<Record<string, unknown>> }>;
  stop(): Promise<void>;
}

/** Starts s3rver with the given buckets. */
export async function startS3rver(buckets: string[]): Promise<S3rverHandle> {
  const directory = await mkdtemp(join(tmpdir(), 'floe-s3rver-'));
  const child = fork(
    fileURLToPath(new URL('./s3rver-child.mjs', import.meta.url)),
    [JSON.stringify({ directory, buckets })],
    {
      execArgv: ['--openssl-legacy-provider'],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    },
  );
  const events: S3rverHandle['events'] = [];
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`s3rver exited with ${code}`)));
    child.on('message', (message: { type: string; port?: number; event?: S3rverHandle['events'][number] }) => {
      if (message.type === 'ready') resolve(message.port as number);
      else if (message.type === 'event' && message.event) events.push(message.event);
    });
  });
  child.removeAllListeners('exit');
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({
    region: 'us-east-1',
    endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  return {
    endpoint,
    port,
    client,
    events,
    credentials: (prefix = 's3://') => ({
      prefix,
      accessKeyId: 'S3RVER',
      secretAccessKey: 'S3RVER',
      region: 'us-east-1',
      endpoint,
      pathStyleAccess: true,
    }),
    async stop() {
      client.destroy();
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send({ type: 'stop' });
      await exited;
      await rm(directory, { recursive: true, force: true });
    },
  };
}
