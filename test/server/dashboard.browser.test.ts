/**
 * The dashboard in a real browser: Debian's chromium (installed by .ci/run),
 * driven by playwright-core, loads the page `gallra serve` serves over a
 * filled store, checks that the panels show the totals the store holds,
 * clicks a row to filter (the filter goes into the URL and every panel that
 * can answer it follows), and saves screenshots to test-results/dashboard.png
 * and test-results/dashboard-filtered.png (named in the README). The page may call
 * nothing but the server it came from.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, MAIN, ROOT } from '../helpers/cli.js';
import { DAY_MS, fillStore, type FilledStore } from '../helpers/aggregate-store.js';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
/** Where the screenshots go (the README names these paths): the dashboard, then filtered by a click. */
const SCREENSHOT = join(ROOT, 'test-results', 'dashboard.png');
const SCREENSHOT_FILTERED = join(ROOT, 'test-results', 'dashboard-filtered.png');
const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--no-default-browser-check',
  '--disable-features=Translate,MediaRouter,OptimizationHints',
];
const END = Date.UTC(2031, 2, 14);
const nf = new Intl.NumberFormat('en');

/** How many pixels of a canvas are drawn in the series' blue (the line and its fill), read in the page. */
function drawnPixels(page: Page, selector: string): Promise<number> {
  return page.$eval(selector, (c) => {
    const canvas = c as unknown as { width: number; height: number; getContext(t: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } | null };
    const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    let n = 0;
    // The stroke #2f6fde: blue clearly above red and green.
    for (let i = 0; i < data.length; i += 4) if (data[i + 3]! > 128 && data[i + 2]! > 180 && data[i]! < 120 && data[i + 1]! < 160) n++;
    return n;
  });
}

describe('the dashboard in chromium', () => {
  let dir: string;
  let store: FilledStore;
  let server: ChildProcess | undefined;
  let url = '';
  let guard: NodeJS.Timeout | undefined;

  beforeAll(async () => {
    expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: .ci/run installs Debian's chromium`).toBe(true);
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'gallra-dash-'));
    store = await fillStore(dir, { days: 20, end: END, events: 24_000 });
    server = spawn(process.execPath, [MAIN, 'serve', '--config', store.policyFile, '--port', '0'], {
      env: { ...process.env, GALLRA_STATE_DIR: join(dir, 'state'), GALLRA_LOG_LEVEL: 'warn', GALLRA_API_TOKEN: '' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    // Bounded: whatever happens, the server does not outlive the test file.
    guard = setTimeout(() => server?.kill('SIGKILL'), 170_000);
    guard.unref();
    for await (const chunk of server.stdout!) {
      const m = /dashboard at (http:\/\/127\.0\.0\.1:\d+)/.exec(String(chunk));
      if (m !== null) {
        url = m[1]!;
        break;
      }
    }
    expect(url).not.toBe('');
  }, 180_000);

  afterAll(async () => {
    clearTimeout(guard);
    if (server !== undefined && server.exitCode === null) {
      const exited = new Promise((r) => server!.once('exit', r));
      server.kill('SIGTERM');
      await exited;
    }
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it("shows the store's totals, filters on a click (in the URL), and saves a screenshot", async () => {
    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS, timeout: 60_000 });
    try {
      const context = await browser.newContext({ viewport: { width: 1400, height: 1000 }, deviceScaleFactor: 1 });
      const outside: string[] = [];
      await context.route(
        (u) => u.hostname !== '127.0.0.1',
        (r) => {
          outside.push(r.request().url());
          return r.abort();
        },
      );
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      page.on('pageerror', (e) => errors.push(String(e)));

      await page.goto(`${url}/?range=30d`);
      await page.waitForSelector('body[data-ready="1"]', { timeout: 60_000 });
      // All the traffic lies within the last 30 days of the data.
      expect(await page.textContent('#kpi-requests')).toBe(nf.format(store.hits.length));
      expect(await page.locator('#chart canvas').count()).toBe(1);
      expect(await page.locator('#bandwidth canvas').count()).toBe(1);
      // The charts hold the data (a point per day, adding up to the store's total) and drew it.
      expect(Number(await page.getAttribute('#chart', 'data-points'))).toBeGreaterThanOrEqual(19);
      expect(Number(await page.getAttribute('#chart', 'data-total'))).toBe(store.hits.length);
      expect(Number(await page.getAttribute('#bandwidth', 'data-points'))).toBeGreaterThanOrEqual(19);
      for (const id of ['#chart', '#bandwidth']) expect(await drawnPixels(page, `${id} canvas`), id).toBeGreaterThan(200);
      const top = page.locator('[data-panel="path_template"] tr.row');
      expect(await top.count()).toBeGreaterThan(3);
      expect(await page.locator('[data-panel="path_template"] tr.other').textContent()).toMatch(/\(other\) — fewer than 3 visitors/);
      expect(await page.locator('#heatmap .cell').count()).toBe(7 * 24);

      mkdirSync(join(ROOT, 'test-results'), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });

      // The panel's first row, and what the API says it holds.
      const value = (await top.first().getAttribute('data-value'))!;
      const expected = store.hits.length === 0 ? 0 : await (await fetch(`${url}/api/top?from=${new Date(END - 30 * DAY_MS).toISOString().slice(0, 10)}&to=${new Date(END).toISOString().slice(0, 10)}&dim=path_template&limit=1`)).json();
      await top.first().click();
      await page.waitForFunction("new URL(location.href).searchParams.has('f.path_template')");
      await page.waitForSelector('body[data-ready="1"]', { timeout: 60_000 });
      expect(new URL(page.url()).searchParams.get('f.path_template')).toBe(value);
      expect(await page.locator('.chip[data-filter="path_template"]').count()).toBe(1);
      // data-ready may still be the unfiltered page's until the panels redraw: wait for what the filter shows.
      await expect.poll(() => page.textContent('#kpi-requests'), { timeout: 60_000, interval: 200 }).toBe(nf.format((expected as { rows: { requests: number }[] }).rows[0]!.requests));
      // Panels no grouping set can answer with this filter say so rather than showing unfiltered numbers.
      await expect.poll(() => page.locator('[data-panel="browser"] .unavailable').count(), { timeout: 60_000, interval: 200 }).toBe(1);

      await page.screenshot({ path: SCREENSHOT_FILTERED, fullPage: true });
      expect(existsSync(SCREENSHOT) && existsSync(SCREENSHOT_FILTERED)).toBe(true);
      expect(errors).toEqual([]);
      expect(outside).toEqual([]);
      await context.close();
    } finally {
      await browser.close();
    }
  });
});
