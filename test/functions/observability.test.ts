/**
 * What the handlers print and what they send to the catalog: Powertools Logger JSON lines with
 * key/table/ingest id, the EMF metrics document of each invocation, the PAT in neither, hostile
 * keys never reaching a catalog URL, and the landed objects left byte-for-byte as they were.
 * Its own file: the handler modules read POWERTOOLS_* once, at import (vitest isolates files).
 */
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { s3EventNotification, sqsEvent, sqsRecord } from '../ingest/events.js';
import {
  deliverCommitBatch,
  lambdaContext,
  PAT,
  type Pipeline,
  startPipeline,
  takeFifoBatch,
} from './pipeline-harness.js';

type Line = Record<string, unknown>;

describe('handler logs, EMF metrics and catalog URLs', () => {
  let p: Pipeline;
  let out: string[] = [];
  let urls: string[] = [];
  beforeAll(async () => {
    p = await startPipeline({ POWERTOOLS_LOG_LEVEL: 'DEBUG', POWERTOOLS_METRICS_DISABLED: 'false' });
    // Powertools writes through a Console bound to process.stdout (WARN and ERROR: stderr).
    for (const stream of [process.stdout, process.stderr]) {
      vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
        out.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
        return true;
      });
    }
    // Every catalog request goes through fetch (S3 uses the SDK's own HTTP handler).
    const realFetch = globalThis.fetch;
    vi.spyOn(globalThis, 'fetch').mockImplementation((input, init) => {
      urls.push(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
      return realFetch(input, init);
    });
  });
  afterEach(() => {
    out = [];
    urls = [];
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await p?.stop();
  });

  const lines = (): Line[] =>
    out
      .join('')
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Line);
  const emf = (): Line[] => lines().filter((l) => l._aws !== undefined);
  const metricSum = (name: string): number =>
    emf().reduce((sum, doc) => {
      const v = doc[name];
      return sum + (Array.isArray(v) ? v.reduce((a: number, b: number) => a + b, 0) : typeof v === 'number' ? v : 0);
    }, 0);

  async function land(key: string, body: string) {
    const put = await p.s3.client.send(new PutObjectCommand({ Bucket: 'landing', Key: key, Body: body }));
    return {
      etag: put.ETag as string,
      event: s3EventNotification('landing', key, {
        size: Buffer.byteLength(body),
        eTag: (put.ETag ?? '').replace(/"/g, ''),
      }),
    };
  }

  it('logs JSON with key, table and ingest id; emits EMF for files, rows, bytes, commits and latency; never the PAT', async () => {
    const good = await land('obs/orders/a.csv', 'id,amount\n1,2.5\n2,3\n');
    const bad = await land('obs/orders/bad.csv', 'id,amount\n1,x\n');
    // Two invocations: the first file creates the table, so bad.csv is bad against its types.
    for (const landed of [good, bad]) {
      const response = await p.convert(
        sqsEvent([sqsRecord(JSON.stringify(landed.event))]),
        lambdaContext('floe-convert'),
      );
      expect(response.batchItemFailures).toEqual([]);
    }

    const converted = lines().find((l) => l.message === 'converted object');
    expect(converted).toMatchObject({
      level: 'INFO',
      service: 'floe',
      key: 'obs/orders/a.csv',
      table: 'obs.orders',
      ingestId: expect.stringMatching(/^i[0-9a-f]{24}$/),
      rows: 2,
      function_name: 'floe-convert',
    });
    expect(lines().find((l) => l.message === 'rejected object')).toMatchObject({
      level: 'WARN',
      key: 'obs/orders/bad.csv',
      table: 'obs.orders',
      ingestId: expect.stringMatching(/^i/),
    });
    const [convertDoc] = emf();
    expect(convertDoc?._aws).toMatchObject({
      CloudWatchMetrics: [
        { Namespace: 'floe', Metrics: expect.arrayContaining([{ Name: 'FilesIngested', Unit: 'Count' }]) },
      ],
    });
    expect(metricSum('FilesIngested')).toBe(1);
    expect(metricSum('FilesRejected')).toBe(1);
    expect(metricSum('RowsIngested')).toBe(2);
    expect(metricSum('BytesIngested')).toBe(Buffer.byteLength('id,amount\n1,2.5\n2,3\n'));

    out = [];
    p.server.faults.failNextCommits(1, 409);
    expect(await deliverCommitBatch(p, takeFifoBatch(p))).toEqual([]);
    expect(lines().find((l) => l.message === 'commit committed')).toMatchObject({
      table: 'obs.orders',
      ingestIds: [converted?.ingestId],
      function_name: 'floe-commit',
    });
    expect(metricSum('Commits')).toBe(1);
    expect(metricSum('CommitRetries')).toBe(1);
    expect(metricSum('CommitConflicts')).toBe(1);
    const latency = emf().find((d) => d.LandingToCommitLatency !== undefined);
    expect(latency?.LandingToCommitLatency).toBeGreaterThan(0);
    expect(JSON.stringify(latency?._aws)).toContain('"Unit":"Milliseconds"');

    // The landed objects are only read: same bytes, same ETag.
    for (const [key, put, body] of [
      ['obs/orders/a.csv', good.etag, 'id,amount\n1,2.5\n2,3\n'],
      ['obs/orders/bad.csv', bad.etag, 'id,amount\n1,x\n'],
    ] as const) {
      const head = await p.s3.client.send(new HeadObjectCommand({ Bucket: 'landing', Key: key }));
      expect(head.ETag).toBe(put);
      const got = await p.s3.client.send(new GetObjectCommand({ Bucket: 'landing', Key: key }));
      expect(await got.Body?.transformToString()).toBe(body);
    }
  });

  it('keeps the PAT out of every log line, even at DEBUG and after a 401', async () => {
    p.server.faults.revokeTokens();
    const again = await land('obs/orders/c.csv', 'id,amount\n3,1\n');
    await p.convert(sqsEvent([sqsRecord(JSON.stringify(again.event))]), lambdaContext('floe-convert'));
    expect(await deliverCommitBatch(p, takeFifoBatch(p))).toEqual([]);
    expect(lines().length).toBeGreaterThan(2);
    expect(out.join('')).not.toContain(PAT);
  });

  it('never sends a hostile key to the catalog: each is rejected with a report before any catalog call', async () => {
    const hostile = [
      'obs/a%2F..%2F..%2Fadmin/x.csv', // URL-encoded traversal in the table name
      'obs/orders?purge=true/x.csv', // query string in the table name
      'obs%2Fpwn/t/x.csv',
      'ns/t#frag/x.csv',
      'obs/../../v1/namespaces/x.csv', // a ".." segment
      'obs/ord\u0000ers/x.csv', // a control character
    ];
    const records = hostile.map((key) =>
      sqsRecord(JSON.stringify(s3EventNotification('landing', key, { size: 7, eTag: 'abc' }))),
    );
    const response = await p.convert(sqsEvent(records), lambdaContext('floe-convert'));
    expect(response.batchItemFailures).toEqual([]);
    expect(urls).toEqual([]);
    // records are processed concurrently: compare as sets
    const rejected = lines().filter((l) => l.message === 'rejected object');
    expect(new Set(rejected.map((l) => l.key))).toEqual(new Set(hostile));
    // the reports stay under the errors prefix, whatever the key holds
    for (const line of rejected) expect(String(line.reportPath)).toMatch(/^s3:\/\/landing\/_floe\/errors\//);
    const reportOf = async (key: string) => {
      const path = String(rejected.find((l) => l.key === key)?.reportPath);
      return { path, report: JSON.parse(new TextDecoder().decode(await p.warehouseIo.read(path))) as Line };
    };
    const traversal = await reportOf('obs/../../v1/namespaces/x.csv');
    expect(traversal.path).toBe('s3://landing/_floe/errors/obs/%2E%2E/%2E%2E/v1/namespaces/x.csv.error.json');
    expect(traversal.report).toMatchObject({ key: 'obs/../../v1/namespaces/x.csv', error: 'RouteError' });
    const control = await reportOf('obs/ord\u0000ers/x.csv');
    expect(control.path).toBe('s3://landing/_floe/errors/obs/ord%00ers/x.csv.error.json');
    expect(control.report).toMatchObject({ reason: 'key contains control characters' });
  });
});
