import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseCommandArgs } from '../../lib/cli/args.js';
import { run as history } from '../../lib/cli/commands/history.js';
import { run as tables } from '../../lib/cli/commands/tables.js';

afterEach(() => vi.restoreAllMocks());

describe('the shared argument preamble', () => {
  it('exits 0 on --help, 2 with the reason on an unknown option or unusable arguments, instead of throwing', async () => {
    const out = vi.spyOn(console, 'log').mockImplementation(() => {});
    const err = vi.spyOn(console, 'error').mockImplementation(() => {});
    expect(await tables(['--help'])).toBe(0);
    expect(out.mock.calls.flat().join('\n')).toMatch(/usage: floe tables/);
    expect(await tables(['--frobnicate'])).toBe(2);
    expect(err.mock.calls.flat().join('\n')).toMatch(/floe tables: .*--frobnicate/);
    expect(await tables(['stray'])).toBe(2);
    expect(await history(['-h'])).toBe(0);
    expect(await history(['a.b', 'c.d'])).toBe(2); // one table at most
  });

  it('returns values with defaults and positionals', () => {
    const parsed = parseCommandArgs('x', ['a', '--n', '3'], 'usage: x', {
      n: { type: 'string', default: '1' },
      json: { type: 'boolean', default: false },
    });
    expect(parsed).toMatchObject({ values: { n: '3', json: false, help: false }, positionals: ['a'] });
  });
});
