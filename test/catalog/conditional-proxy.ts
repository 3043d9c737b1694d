/**
 * Test helper: an HTTP proxy in front of s3rver that enforces `If-Match` / `If-None-Match` on
 * PUT (s3rver ignores them): the check and the PUT run under one lock per key, as S3 does. It
 * records every conditional PUT, so a test can see which writes were conditional.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { KeyedMutex } from '../../lib/catalog/server/store.js';
import type { S3rverHandle } from '../support/s3rver.js';

/** A conditional PUT the proxy saw: the object path (`/bucket/key`) and its condition. */
export interface ConditionalPut {
  path: string;
  ifMatch?: string;
  ifNoneMatch?: string;
}

/** An HTTP proxy to s3rver that honours If-Match / If-None-Match on PUT. */
export async function conditionalProxy(
  s3: S3rverHandle,
): Promise<{ server: Server; endpoint: string; refused: number; conditional: ConditionalPut[] }> {
  const locks = new KeyedMutex();
  const state = { refused: 0 };
  const conditional: ConditionalPut[] = [];
  const server = createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0] as string);
    const [, bucket, ...key] = path.split('/');
    const forward = () =>
      new Promise<void>((done) => {
        const upstream = request(
          { host: '127.0.0.1', port: s3.port, method: req.method, path: req.url, headers: req.headers },
          (up) => {
            res.writeHead(up.statusCode ?? 502, up.headers);
            up.pipe(res);
            up.on('end', () => done());
          },
        );
        req.pipe(upstream);
      });
    const ifMatch = req.headers['if-match'];
    const ifNoneMatch = req.headers['if-none-match'];
    if (req.method !== 'PUT' || (!ifMatch && !ifNoneMatch)) return void forward();
    conditional.push({ path, ifMatch: ifMatch as string | undefined, ifNoneMatch: ifNoneMatch as string | undefined });
    void locks.run([path], async () => {
      const etag = await s3.client
        .send(new HeadObjectCommand({ Bucket: bucket, Key: key.join('/') }))
        .then((h) => h.ETag)
        .catch(() => undefined);
      const ok = ifNoneMatch === '*' ? etag === undefined : etag !== undefined && etag === ifMatch;
      if (!ok) {
        state.refused += 1;
        req.resume();
        res.writeHead(412, { 'content-type': 'application/xml' });
        res.end(
          '<Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions you specified did not hold</Message></Error>',
        );
        return;
      }
      await forward();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    endpoint: `http://127.0.0.1:${port}`,
    conditional,
    get refused() {
      return state.refused;
    },
  };
}
