/**
 * Powertools Logger (JSON lines; `POWERTOOLS_SERVICE_NAME`) and Metrics (CloudWatch EMF;
 * `POWERTOOLS_METRICS_NAMESPACE`) shared by the handlers, and the metric names floe emits.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'floe' });
export const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'floe',
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'floe',
});

/** Metric names (one place, so dashboards and alarms in infra/ can rely on them). */
export const METRIC = {
  filesIngested: 'FilesIngested',
  filesRejected: 'FilesRejected',
  filesSkipped: 'FilesSkipped',
  /** Objects outside the landing prefix or matching no route (skipped; also counted in FilesSkipped). */
  filesUnrouted: 'FilesUnrouted',
  /** Convert records that failed (retried, then dead-lettered); alarmed on. */
  recordFailures: 'RecordFailures',
  rows: 'RowsIngested',
  rowsRejected: 'RowsRejected',
  bytes: 'BytesIngested',
  commits: 'Commits',
  commitRetries: 'CommitRetries',
  commitConflicts: 'CommitConflicts',
  duplicatesDropped: 'DuplicatesDropped',
  landingToCommitMs: 'LandingToCommitLatency',
} as const;

export { MetricUnit };
