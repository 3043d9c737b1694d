/**
 * The `floe dev` status page in a real headless browser (Debian's chromium via playwright-core):
 * the page is open before any file lands; files are dropped and appear without a reload (server-
 * sent events): the table with its rows, the latest files with their outcome, the rejected file
 * with line, column, value and a working report link. Saves a screenshot.
 */
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultIngestConfig } from '../../lib/ingest/config.js';
import { type DevStack, startDevStack } from '../../lib/local/dev-stack.js';
import { launchChromium } from '../support/chromium.js';

async function drop(landing: string, key: string, content: string): Promise<void> {
  const target = join(landing, key);
  await mkdir(join(target, '..'), { recursive: true });
  await writeFile(`${target}.part`, content);
  await rename(`${target}.part`, target);
}

describe('floe dev status page (headless chromium)', () => {
  let dir: string;
  let stack: DevStack;
  let browser: Browser;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'floe-status-'));
    stack = await startDevStack({
      dir,
      port: 0,
      config: defaultIngestConfig(),
      onEvent: () => {},
      stableMs: 50,
      commitWindowMs: 20,
      historyWindowMs: 20,
    });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('shows tables, latest files and rejections live, and keeps the REST API under /v1', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    await page.goto(stack.statusUrl);
    await expect.poll(() => page.textContent('#live'), { timeout: 10_000 }).toBe('live');
    await expect.poll(() => page.textContent('#tables tbody'), { timeout: 10_000 }).toContain('no tables yet');
    expect(await page.locator('#chart canvas').count()).toBeGreaterThan(0);

    await drop(stack.home.landing, 'sales/orders/2026-06-01.csv', 'id,amount\n1,10.5\n2,11\n3,12\n');
    await page.locator('#tables tbody tr', { hasText: 'sales.orders' }).waitFor({ timeout: 20_000 });
    await drop(stack.home.landing, 'sales/orders/bad.csv', 'id,amount\n4,not-a-number\n');
    const rejected = page.locator('#rejected tbody tr', { hasText: 'bad.csv' });
    await rejected.waitFor({ timeout: 20_000 });

    const table = page.locator('#tables tbody tr', { hasText: 'sales.orders' });
    await expect.poll(() => table.locator('td').nth(1).textContent()).toBe('3');
    const committed = page.locator('#recent tbody tr', { hasText: '2026-06-01.csv' });
    expect(await committed.locator('td').nth(3).textContent()).toBe('committed');
    expect(await rejected.locator('td').allTextContents()).toEqual(
      expect.arrayContaining(['sales/orders/bad.csv', 'sales.orders', '2', 'amount', 'not-a-number', 'report']),
    );
    const report = await page.request.get(
      new URL((await rejected.locator('a').getAttribute('href')) as string, stack.statusUrl).href,
    );
    expect(await report.json()).toMatchObject({ key: 'sales/orders/bad.csv', line: 2, column: 'amount' });
    // The catalog is still where engines expect it.
    expect((await page.request.get(`${stack.catalogUri}/v1/config`)).status()).toBe(200);

    await mkdir(join(import.meta.dirname, '..', '..', '.test-output'), { recursive: true });
    await page.screenshot({
      path: join(import.meta.dirname, '..', '..', '.test-output', 'status-page.png'),
      fullPage: true,
    });
    await page.close();
  });
});
