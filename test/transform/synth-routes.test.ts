/** `cdk synth` checks the routes file (infra/config.ts `checkRoutes`): a bad transform fails it, naming the route and the expression (issue 17). */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkRoutes, FloeConfigError, readRoutesFile } from '../../infra/config.js';

const dir = mkdtempSync(join(tmpdir(), 'floe-routes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('routes file at synth', () => {
  it('fails on an unknown function, naming the route, the table and the expression', () => {
    const path = join(dir, 'routes.yaml');
    writeFileSync(
      path,
      'routes:\n  - prefix: orders/\n    table: bronze.orders\n    select: "id, frobnicate(amount) AS a"\n',
    );
    const synth = () => checkRoutes(readRoutesFile(path), '', path);
    expect(synth).toThrow(FloeConfigError);
    expect(synth).toThrow(
      /routes\[0\] \(table bronze\.orders\).*unknown function frobnicate in "frobnicate\(amount\)"/,
    );
  });

  it('passes a valid transform through as JSON', () => {
    const path = join(dir, 'ok.json');
    writeFileSync(
      path,
      JSON.stringify({ routes: [{ prefix: 'o/', table: 'b.o', select: 'id, CAST(x AS DATE) AS d', where: 'id > 0' }] }),
    );
    expect(JSON.parse(readRoutesFile(path)).routes[0].where).toBe('id > 0');
  });
});
