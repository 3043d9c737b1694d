/**
 * REST catalog configuration (`GET /v1/config`): defaults, then client properties, then
 * overrides (rest-catalog-open-api.yaml, getConfig). The merged `prefix` goes into every path
 * (`v1/{prefix}/…`), `endpoints` says which routes the server supports (a default set when
 * absent), and `idempotency-key-lifetime` turns on `Idempotency-Key` headers.
 */

/** The server's `CatalogConfig` response. */
export interface CatalogConfigResponse {
  defaults?: Record<string, string>;
  overrides?: Record<string, string>;
  endpoints?: string[];
  'idempotency-key-lifetime'?: string;
}

/** Endpoints assumed when the server sends no `endpoints` list (spec, getConfig). */
export const DEFAULT_ENDPOINTS: readonly string[] = [
  'GET /v1/{prefix}/namespaces',
  'POST /v1/{prefix}/namespaces',
  'GET /v1/{prefix}/namespaces/{namespace}',
  'DELETE /v1/{prefix}/namespaces/{namespace}',
  'POST /v1/{prefix}/namespaces/{namespace}/properties',
  'GET /v1/{prefix}/namespaces/{namespace}/tables',
  'POST /v1/{prefix}/namespaces/{namespace}/tables',
  'GET /v1/{prefix}/namespaces/{namespace}/tables/{table}',
  'POST /v1/{prefix}/namespaces/{namespace}/tables/{table}',
  'DELETE /v1/{prefix}/namespaces/{namespace}/tables/{table}',
  'POST /v1/{prefix}/namespaces/{namespace}/register',
  'POST /v1/{prefix}/namespaces/{namespace}/tables/{table}/metrics',
  'POST /v1/{prefix}/tables/rename',
  'POST /v1/{prefix}/transactions/commit',
];

/** The resolved configuration of one catalog connection. */
export class ResolvedConfig {
  readonly properties: Record<string, string>;
  readonly endpoints: ReadonlySet<string>;
  /** Whether the server sent an explicit list (then unlisted routes are refused client-side). */
  readonly explicitEndpoints: boolean;
  readonly idempotencyKeyLifetime?: string;
  private readonly separator: string;

  constructor(response: CatalogConfigResponse, clientProperties: Record<string, string> = {}) {
    this.properties = { ...(response.defaults ?? {}), ...clientProperties, ...(response.overrides ?? {}) };
    this.explicitEndpoints = Array.isArray(response.endpoints);
    this.endpoints = new Set(response.endpoints ?? DEFAULT_ENDPOINTS);
    this.idempotencyKeyLifetime = response['idempotency-key-lifetime'];
    // The separator is sent URL-encoded; 0x1F (%1F) is the default (spec: namespace parameter).
    this.separator = this.properties['namespace-separator'] ?? '%1F';
  }

  /** The merged `prefix`, or undefined. */
  get prefix(): string | undefined {
    const prefix = this.properties.prefix;
    return prefix ? prefix.replace(/^\/+|\/+$/g, '') : undefined;
  }

  /** `v1/{prefix}/` + the rest, with the prefix left out when there is none. */
  path(...segments: string[]): string {
    const prefix = this.prefix;
    return ['v1', ...(prefix ? [prefix.split('/').map(encodeURIComponent).join('/')] : []), ...segments].join('/');
  }

  /** A namespace as one path segment: levels URL-encoded and joined by the separator. */
  namespace(levels: readonly string[]): string {
    return levels.map(encodeURIComponent).join(this.separator);
  }

  /** A namespace as a query value (`parent=`): levels joined by the decoded separator. */
  namespaceQuery(levels: readonly string[]): string {
    return levels.join(decodeURIComponent(this.separator));
  }

  /** Whether the server supports `METHOD /v1/{prefix}/…` (the spec's endpoint notation). */
  supports(endpoint: string): boolean {
    return this.endpoints.has(endpoint);
  }
}
