/**
 * An IAM-enforcing S3 front for s3rver: an HTTP proxy on 127.0.0.1 that maps each path-style S3
 * request to its IAM action and resource ARN and forwards it only when the current role's
 * policy statements (taken from the synthesized template) allow it; otherwise it answers 403
 * AccessDenied, as S3 does. Like S3, a read of a missing key answers 404 only when the role may
 * `s3:ListBucket` the bucket, and 403 otherwise (issue #11: "gone" vs "denied"). That implicit
 * check carries no `s3:prefix`, so a listing grant conditioned on a prefix does not count; this is
 * the conservative reading of S3's documented behaviour.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html#API_GetObject_Permissions
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A policy statement with its resources resolved to ARNs (see `resolveStatements`). */
export interface PolicyStatement {
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

/** One S3 request as IAM sees it. */
export interface S3Authorization {
  action: string;
  resource: string;
  context: Record<string, string>;
}

export interface IamS3Proxy {
  endpoint: string;
  /** Where requests are forwarded (set once s3rver runs). */
  target: string;
  /** The statements of the role making the requests now. */
  statements: PolicyStatement[];
  /** Every authorization that was refused, for diagnosis and assertions. */
  denied: S3Authorization[];
  stop(): Promise<void>;
}

const glob = (pattern: string) =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );

/** Whether `condition` holds in `context` (StringEquals / StringLike; an absent key fails, as in IAM). */
function conditionHolds(condition: PolicyStatement['Condition'], context: Record<string, string>): boolean {
  for (const [operator, keys] of Object.entries(condition ?? {})) {
    for (const [key, expected] of Object.entries(keys)) {
      const value = context[key];
      if (value === undefined) return false;
      const values = [expected].flat();
      if (operator === 'StringEquals' && !values.includes(value)) return false;
      else if (operator === 'StringLike' && !values.some((v) => glob(v).test(value))) return false;
      else if (operator !== 'StringEquals' && operator !== 'StringLike')
        throw new Error(`iam-s3-proxy: condition operator ${operator} not modelled`);
    }
  }
  return true;
}

/** IAM evaluation for one request: an explicit Deny wins, otherwise some Allow must match. */
export function isAllowed(statements: PolicyStatement[], { action, resource, context }: S3Authorization): boolean {
  const matches = (s: PolicyStatement) =>
    [s.Action].flat().some((a) => glob(a).test(action)) &&
    [s.Resource].flat().some((r) => glob(r).test(resource)) &&
    conditionHolds(s.Condition, context);
  if (statements.some((s) => s.Effect === 'Deny' && matches(s))) return false;
  return statements.some((s) => s.Effect === 'Allow' && matches(s));
}

/** The IAM action, resource and condition context of a path-style S3 request. */
export function authorizationOf(method: string, url: URL, headers: Record<string, unknown>): S3Authorization[] {
  const [bucket = '', ...rest] = url.pathname.slice(1).split('/');
  const key = decodeURIComponent(rest.join('/'));
  const q = url.searchParams;
  const bucketArn = `arn:aws:s3:::${bucket}`;
  if (!key) {
    if (q.has('versions')) return [{ action: 's3:ListBucketVersions', resource: bucketArn, context: prefix(q) }];
    if (q.has('location')) return [{ action: 's3:GetBucketLocation', resource: bucketArn, context: {} }];
    if (method === 'GET' || method === 'HEAD')
      return [{ action: 's3:ListBucket', resource: bucketArn, context: method === 'GET' ? prefix(q) : {} }];
    throw new Error(`iam-s3-proxy: bucket request ${method} ${url.search} not modelled`);
  }
  const object = { resource: `${bucketArn}/${key}`, context: {} };
  const versioned = q.has('versionId');
  switch (method) {
    case 'GET':
    case 'HEAD':
      return [{ action: versioned ? 's3:GetObjectVersion' : 's3:GetObject', ...object }];
    case 'PUT':
    case 'POST': {
      const source = headers['x-amz-copy-source'];
      const reads: S3Authorization[] =
        typeof source === 'string'
          ? [
              {
                action: 's3:GetObject',
                resource: `arn:aws:s3:::${decodeURIComponent(source.replace(/^\//, ''))}`,
                context: {},
              },
            ]
          : [];
      return [{ action: 's3:PutObject', ...object }, ...reads];
    }
    case 'DELETE':
      return [
        {
          action: q.has('uploadId')
            ? 's3:AbortMultipartUpload'
            : versioned
              ? 's3:DeleteObjectVersion'
              : 's3:DeleteObject',
          ...object,
        },
      ];
    default:
      throw new Error(`iam-s3-proxy: ${method} not modelled`);
  }
}

const prefix = (q: URLSearchParams) => ({ 's3:prefix': q.get('prefix') ?? '' });

const accessDenied = (res: import('node:http').ServerResponse, head: boolean) => {
  const xml =
    '<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>';
  res.writeHead(403, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(xml) });
  res.end(head ? undefined : xml);
};

/** Starts the proxy; set `target` and `statements` before the first request. */
export async function startIamS3Proxy(): Promise<IamS3Proxy> {
  const handle: IamS3Proxy = { endpoint: '', target: '', statements: [], denied: [], stop: async () => {} };
  const server: Server = createServer((req, res) => {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://proxy');
    let wanted: S3Authorization[];
    try {
      wanted = authorizationOf(method, url, req.headers);
    } catch (error) {
      req.resume();
      res.writeHead(501).end(String(error));
      return;
    }
    const refused = wanted.filter((w) => !isAllowed(handle.statements, w));
    if (refused.length > 0) {
      handle.denied.push(...refused);
      req.resume();
      accessDenied(res, method === 'HEAD');
      return;
    }
    const target = new URL(handle.target);
    const forwarded = request(
      { hostname: target.hostname, port: target.port, method, path: req.url, headers: req.headers },
      (upstream) => {
        const [bucket] = url.pathname.slice(1).split('/');
        const objectRead = wanted[0]!.action.startsWith('s3:GetObject');
        // S3 tells "no such key" only to a caller that could have listed the bucket.
        const listing = { action: 's3:ListBucket', resource: `arn:aws:s3:::${bucket}`, context: {} };
        if (upstream.statusCode === 404 && objectRead && !isAllowed(handle.statements, listing)) {
          handle.denied.push(listing);
          upstream.resume();
          accessDenied(res, method === 'HEAD');
          return;
        }
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

/**
 * The statements of a role in a synthesized template, with `Fn::GetAtt [bucket, Arn]` and
 * `Fn::Join` resolved using `bucketNames` (logical id → bucket name); anything else becomes an
 * ARN that matches nothing.
 */
export function resolveStatements(statements: unknown[], bucketNames: Record<string, string>): PolicyStatement[] {
  const resolve = (value: unknown): string => {
    if (typeof value === 'string') return value;
    const v = value as Record<string, any>;
    if (v['Fn::GetAtt'] && v['Fn::GetAtt'][1] === 'Arn' && bucketNames[v['Fn::GetAtt'][0]])
      return `arn:aws:s3:::${bucketNames[v['Fn::GetAtt'][0]]}`;
    if (v['Fn::Join']) return (v['Fn::Join'][1] as unknown[]).map(resolve).join(v['Fn::Join'][0]);
    return 'arn:unresolved';
  };
  return statements.map((s) => {
    const statement = s as PolicyStatement & { Resource: unknown };
    return { ...statement, Resource: [statement.Resource].flat().map(resolve) };
  });
}
