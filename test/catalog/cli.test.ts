import { describe, expect, it, vi } from 'vitest';
import { run, summary } from '../../lib/cli/commands/catalog.js';

describe('floe catalog', () => {
  it('validates its arguments before serving', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      expect(summary).toContain('catalog serve');
      expect(await run(['frobnicate'])).toBe(2);
      expect(await run(['serve'])).toBe(2);
      expect(errors.mock.calls.at(-1)?.[0]).toContain('--dir is required');
      expect(await run(['serve', '--dir', '/tmp/x', '--auth', 'kerberos'])).toBe(2);
      expect(await run(['serve', '--dir', '/tmp/x', '--port', 'abc'])).toBe(2);
    } finally {
      errors.mockRestore();
    }
  });
});
