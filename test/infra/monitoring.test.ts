import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { FLOE_METRICS } from '../../infra/constructs/monitoring.js';
import { PROJECT_ROOT } from '../../infra/handler-bundle.js';
import { synthFloeStack } from './stack-fixture.js';

const observability = join(PROJECT_ROOT, 'functions/observability.ts');

/** Non-default values, so a match proves the stack → environment → Powertools plumbing, not two equal defaults. */
const NAMESPACE = 'floe-audit';
const SERVICE = 'floe-audit-svc';

/** A CloudWatch metric as the alarms and dashboard address it. */
type MetricAddress = { namespace: string; name: string; dimensions: Record<string, string> };
const key = (m: MetricAddress) =>
  JSON.stringify([m.namespace, m.name, Object.entries(m.dimensions).sort(([a], [b]) => a.localeCompare(b))]);

/** Every metric of `namespace` the alarms (MetricStat) and the dashboard widgets refer to. */
function metricsUsedByStack(namespace: string): MetricAddress[] {
  const { template } = synthFloeStack({ metricsNamespace: NAMESPACE, serviceName: SERVICE });
  const used: MetricAddress[] = [];
  for (const alarm of Object.values(template.findResources('AWS::CloudWatch::Alarm'))) {
    for (const q of (alarm.Properties.Metrics ?? []) as any[]) {
      const m = q.MetricStat?.Metric;
      if (m?.Namespace !== namespace) continue;
      const dimensions = Object.fromEntries((m.Dimensions ?? []).map((d: any) => [d.Name, d.Value]));
      used.push({ namespace, name: m.MetricName, dimensions });
    }
  }
  const dashboard = Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0]!;
  const parts = dashboard.Properties.DashboardBody['Fn::Join'][1] as unknown[];
  const body = JSON.parse(parts.map((p) => (typeof p === 'string' ? p : 'TOKEN')).join(''));
  for (const widget of body.widgets) {
    for (const row of (widget.properties.metrics ?? []) as unknown[][]) {
      if (row[0] !== namespace) continue;
      // [namespace, name, dimName, dimValue, ..., { options }]
      const pairs = row.slice(2).filter((x) => typeof x === 'string') as string[];
      const dimensions: Record<string, string> = {};
      for (let i = 0; i < pairs.length; i += 2) dimensions[pairs[i]!] = pairs[i + 1]!;
      used.push({ namespace, name: row[1] as string, dimensions });
    }
  }
  return used;
}

describe('monitoring contract with the handlers (functions/observability.ts)', () => {
  it.runIf(existsSync(observability))(
    'alarms and dashboard address exactly the namespace, names and dimensions the handlers emit as EMF',
    async () => {
      const { template } = synthFloeStack({ metricsNamespace: NAMESPACE, serviceName: SERVICE });
      const fn = Object.values(template.findResources('AWS::Lambda::Function')).find((f) =>
        /^converts a landed/.test(f.Properties.Description ?? ''),
      )!;
      const env = fn.Properties.Environment.Variables as Record<string, string>;
      expect(env).toMatchObject({ POWERTOOLS_METRICS_NAMESPACE: NAMESPACE, POWERTOOLS_SERVICE_NAME: SERVICE });

      // The handlers' own Metrics instance, configured from the environment the stack sets.
      vi.stubEnv('POWERTOOLS_METRICS_NAMESPACE', env.POWERTOOLS_METRICS_NAMESPACE!);
      vi.stubEnv('POWERTOOLS_SERVICE_NAME', env.POWERTOOLS_SERVICE_NAME!);
      const { METRIC, metrics, MetricUnit } = (await import(
        observability
      )) as typeof import('../../functions/observability.js');
      vi.unstubAllEnvs();
      for (const name of Object.values(METRIC)) metrics.addMetric(name, MetricUnit.Count, 1);
      const emf = metrics.serializeMetrics() as any;
      metrics.clearMetrics();
      const [directive] = emf._aws.CloudWatchMetrics as { Namespace: string; Dimensions: string[][]; Metrics: any[] }[];
      const emitted = new Set(
        (directive!.Metrics as { Name: string }[]).flatMap(({ Name }) =>
          directive!.Dimensions.map((dims) =>
            key({
              namespace: directive!.Namespace,
              name: Name,
              dimensions: Object.fromEntries(dims.map((d) => [d, emf[d] as string])),
            }),
          ),
        ),
      );

      const used = metricsUsedByStack(NAMESPACE);
      // Every FLOE_METRICS name is on an alarm or the dashboard, and each is addressed as emitted.
      expect(new Set(used.map((m) => m.name))).toEqual(new Set(Object.values(FLOE_METRICS)));
      for (const m of used) expect(emitted, key(m)).toContain(key(m));
      expect(used.every((m) => m.dimensions.service === SERVICE)).toBe(true);
    },
  );
});
