/**
 * The route config of a handler: `FLOE_CONFIG` (JSON or YAML text) when set, else convention
 * routing; `FLOE_LANDING_PREFIX` applies when the config names no landing prefix.
 */
import { defaultIngestConfig, type IngestConfig, parseIngestConfigText } from '../lib/ingest/config.js';
import type { HandlerEnvironment } from './environment.js';

/** The validated config for `env` (a bad config fails the cold start, naming the field). */
export function ingestConfigFromEnvironment(env: HandlerEnvironment): IngestConfig {
  const config = env.config ? parseIngestConfigText(env.config, 'FLOE_CONFIG') : defaultIngestConfig();
  if (!config.landingPrefix && env.landingPrefix) return { ...config, landingPrefix: env.landingPrefix };
  return config;
}
