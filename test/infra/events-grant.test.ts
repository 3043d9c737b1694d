/**
 * Commit events and load history in the stack (issue #14): `events:PutEvents` on the chosen bus
 * only, for convert and commit; commit may send to the commits queue (history group); the
 * handlers learn the bus and the history table from their environment.
 */
import { describe, expect, it } from 'vitest';
import { synthFloeStack } from './stack-fixture.js';

type Statement = { Action: string | string[]; Resource: unknown; Effect: string };

function putEventsStatements(input: Parameters<typeof synthFloeStack>[0]) {
  const { template } = synthFloeStack(input);
  const policies = Object.values(template.findResources('AWS::IAM::Policy')) as Array<{
    Properties: { PolicyDocument: { Statement: Statement[] }; Roles: unknown[] };
  }>;
  return policies.flatMap((p) =>
    p.Properties.PolicyDocument.Statement.filter((s) => [s.Action].flat().includes('events:PutEvents')).map((s) => ({
      statement: s,
      roles: JSON.stringify(p.Properties.Roles),
    })),
  );
}

describe('commit events and load history in the stack', () => {
  it('grants events:PutEvents on the default bus only, to convert and commit', () => {
    const found = putEventsStatements({});
    expect(found.length).toBeGreaterThanOrEqual(1);
    for (const { statement } of found) {
      expect([statement.Action].flat()).toEqual(['events:PutEvents']);
      const resource = JSON.stringify(statement.Resource);
      expect(resource).toContain(':event-bus/default');
      expect(resource).not.toMatch(/"\*"/);
    }
    const roles = found.map((f) => f.roles).join(' ');
    expect(roles).toMatch(/Convert/);
    expect(roles).toMatch(/Commit/);
  });

  it('uses the configured bus, and grants nothing when events are off', () => {
    for (const { statement } of putEventsStatements({ eventBusName: 'floe-bus' })) {
      expect(JSON.stringify(statement.Resource)).toContain(':event-bus/floe-bus');
    }
    expect(putEventsStatements({ eventBusName: 'off' })).toEqual([]);
  });

  it('passes the bus and the history table to the handlers and lets commit send history rows', () => {
    const { template } = synthFloeStack({ eventBusName: 'floe-bus', historyTable: 'ops.load_history' });
    const functions = Object.values(template.findResources('AWS::Lambda::Function')) as Array<{
      Properties: { Environment?: { Variables?: Record<string, unknown> }; Role: unknown };
    }>;
    const ingest = functions.filter((f) => f.Properties.Environment?.Variables?.FLOE_COMMIT_QUEUE_URL !== undefined);
    expect(ingest.length).toBeGreaterThanOrEqual(2);
    for (const f of ingest) {
      expect(f.Properties.Environment?.Variables).toMatchObject({
        FLOE_EVENT_BUS: 'floe-bus',
        FLOE_HISTORY_TABLE: 'ops.load_history',
      });
    }
    const policies = Object.values(template.findResources('AWS::IAM::Policy')) as Array<{
      Properties: { PolicyDocument: { Statement: Statement[] }; Roles: unknown[] };
    }>;
    const commitSends = policies.filter(
      (p) =>
        JSON.stringify(p.Properties.Roles).includes('Commit') &&
        p.Properties.PolicyDocument.Statement.some((s) => [s.Action].flat().includes('sqs:SendMessage')),
    );
    expect(commitSends.length).toBeGreaterThan(0);
  });
});
