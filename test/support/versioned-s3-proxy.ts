/**
 * S3 object versions in front of s3rver (which has none): an HTTP proxy on 127.0.0.1 that
 * forwards every request to s3rver, except GET/HEAD with `?versionId=`, which it answers from the
 * versions the test registered (`putVersion`), or with S3's 404 `NoSuchVersion`. Current objects
 * stay in s3rver, so unversioned reads see the latest bytes, as on S3.
 */
import { createHash } from 'node:crypto';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface VersionedS3Proxy {
  endpoint: string;
  /** Where requests are forwarded (set once s3rver runs). */
  target: string;
  /** Registers a version of `bucket/key` and returns its id (`v1`, `v2`, …). */
  putVersion(bucket: string, key: string, body: string): string;
  /** Permanently deletes a version (as `DeleteObject` with `VersionId`). */
  deleteVersion(bucket: string, key: string, versionId: string): void;
  /** Version ids that GET/HEAD asked for, in order. */
  versionReads: string[];
  /** Answers 403 AccessDenied to requests it returns true for (an IAM policy without that grant). */
  deny: (method: string, path: string) => boolean;
  stop(): Promise<void>;
}

/** Starts the proxy; set `target` before the first request. */
export async function startVersionedS3Proxy(): Promise<VersionedS3Proxy> {
  const versions = new Map<string, { body: Buffer; etag: string; modified: Date }>();
  let next = 0;
  const handle: VersionedS3Proxy = {
    endpoint: '',
    target: '',
    versionReads: [],
    deny: () => false,
    putVersion(bucket, key, body) {
      const id = `v${++next}`;
      const bytes = Buffer.from(body);
      versions.set(`${bucket}/${key}?${id}`, {
        body: bytes,
        etag: `"${createHash('md5').update(bytes).digest('hex')}"`,
        modified: new Date(),
      });
      return id;
    },
    deleteVersion(bucket, key, versionId) {
      versions.delete(`${bucket}/${key}?${versionId}`);
    },
    stop: async () => {},
  };
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://proxy');
    const versionId = url.searchParams.get('versionId');
    if (handle.deny(req.method ?? 'GET', decodeURIComponent(url.pathname.slice(1)))) {
      req.resume();
      const xml =
        '<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>';
      res.writeHead(403, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(xml) });
      res.end(xml);
      return;
    }
    if (versionId !== null && (req.method === 'GET' || req.method === 'HEAD')) {
      handle.versionReads.push(versionId);
      const path = decodeURIComponent(url.pathname.slice(1));
      const version = versions.get(`${path}?${versionId}`);
      if (!version) {
        const xml = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchVersion</Code><Message>The specified version does not exist.</Message><VersionId>${versionId}</VersionId></Error>`;
        res.writeHead(404, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(xml) });
        res.end(req.method === 'HEAD' ? undefined : xml);
        return;
      }
      res.writeHead(200, {
        'content-type': 'application/octet-stream',
        'content-length': version.body.byteLength,
        etag: version.etag,
        'last-modified': version.modified.toUTCString(),
        'x-amz-version-id': versionId,
      });
      res.end(req.method === 'HEAD' ? undefined : version.body);
      return;
    }
    const target = new URL(handle.target);
    const forwarded = request(
      { hostname: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (upstream) => {
        res.writeHead(upstream.statusCode ?? 502, upstream.headers);
        upstream.pipe(res);
      },
    );
    forwarded.on('error', (error) => res.destroy(error));
    req.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  handle.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  handle.stop = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return handle;
}
