/**
 * Scheduled maintenance for `floe dev` (the laptop twin of the EventBridge Scheduler rule on
 * AWS): every `everyMs`, each table of the embedded catalog gets `maintainTable` with the
 * defaults (compact, expire snapshots older than 5 days keeping ≥ 1, rewrite manifests, remove
 * orphans older than 3 days). Runs never overlap; a run in progress when the stack stops is
 * awaited, so nothing is left half-done.
 */
import type { Catalog, LoadedTable, TableIdentifier } from '../catalog/catalog.js';
import type { MaintenanceConfig } from '../ingest/config.js';
import type { IngestLedger } from '../ingest/ingest-ledger.js';
import { catalogTables } from '../ingest/maintain/catalog-tables.js';
import { type MaintainOptions, type MaintainReport, maintainTable } from '../ingest/maintain/maintain-table.js';
import type { FileIO } from '../iceberg/file-io.js';

/** `floe dev` maintains its tables every 10 minutes by default. */
export const DEFAULT_MAINTAIN_EVERY_MS = 10 * 60_000;

export interface MaintenanceScheduleOptions {
  catalog: Catalog;
  tableIo(table: LoadedTable): FileIO;
  ledger?: IngestLedger;
  everyMs: number;
  options?: MaintainOptions;
  /** The `maintenance:` block of a table's route (routes config). */
  routeFor?(id: TableIdentifier): MaintenanceConfig;
  onReport?(report: MaintainReport): void;
  onError?(error: unknown): void;
}

export interface MaintenanceSchedule {
  /** Runs one pass now (waits for a pass already running instead of starting another). */
  runNow(): Promise<MaintainReport[]>;
  stop(): Promise<void>;
}

/** Starts the schedule; the timer does not keep the process alive. */
export function startMaintenanceSchedule(options: MaintenanceScheduleOptions): MaintenanceSchedule {
  let running: Promise<MaintainReport[]> | undefined;
  const pass = async (): Promise<MaintainReport[]> => {
    const reports: MaintainReport[] = [];
    for (const id of await catalogTables(options.catalog)) {
      const report = await maintainTable(
        id,
        { catalog: options.catalog, tableIo: options.tableIo, ledger: options.ledger },
        { ...options.options, route: options.routeFor?.(id) },
      );
      reports.push(report);
      options.onReport?.(report);
    }
    return reports;
  };
  const runNow = () => {
    running ??= pass().finally(() => {
      running = undefined;
    });
    return running;
  };
  const timer = setInterval(() => {
    runNow().catch((error) => options.onError?.(error));
  }, options.everyMs);
  timer.unref();
  return {
    runNow,
    async stop() {
      clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}
