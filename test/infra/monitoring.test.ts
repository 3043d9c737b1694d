import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FLOE_METRICS } from '../../infra/constructs/monitoring.js';
import { PROJECT_ROOT } from '../../infra/handler-bundle.js';

const observability = join(PROJECT_ROOT, 'functions/observability.ts');

describe('monitoring contract', () => {
  it.runIf(existsSync(observability))('alarms and dashboard use the metric names the handlers emit', async () => {
    const { METRIC } = (await import(observability)) as { METRIC: Record<string, string> };
    const emitted = new Set(Object.values(METRIC));
    for (const name of Object.values(FLOE_METRICS)) expect(emitted, name).toContain(name);
  });
});
