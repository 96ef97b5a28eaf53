import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startInspectorServer, type InspectorServer } from '../../src/inspect/inspectorServer.ts';
import type { InspectorSource } from '../../src/inspect/InspectorSource.ts';
import type { InspectorView } from '../../src/inspect/inspectorView.ts';
import { storedInspectorSource } from '../../src/inspect/storedSource.ts';
import { config, progress, smallReport } from '../report/fixtures.ts';

/**
 * The page's own logic in Chromium, against fixed views (no run): what the badge says once nothing is
 * live, a stored card's elapsed time, a stored run's log, and an open barrier's deadline.
 */

const chromiumPath = '/usr/bin/chromium';
const hasChromium = existsSync(chromiumPath);
const required = Boolean(process.env.CI);

/** A source that serves one fixed view (times relative to now). */
function fixedSource(view: (now: number) => InspectorView): InspectorSource {
  return { view: () => view(Date.now()), subscribe: () => () => undefined, controls: null, close: () => undefined };
}

function liveView(now: number, overrides: Partial<InspectorView>): InspectorView {
  const running = (name: string) => progress(name, { status: 'running', progressPct: 30, finishedAt: null, startedAt: now - 2_000, elapsedMs: 1_500 });
  return {
    orchestrationId: 'orch-page',
    skill: 'simulated@1.0.0',
    live: true,
    stored: null,
    status: 'running',
    serverTime: now,
    startedAt: now - 2_000,
    barrierTimeoutMs: 30_000,
    scenarios: ['simple', 'medium', 'complex'].map((name) => ({ name, state: 'running.working.processing.active', progress: running(name) })),
    actors: [],
    barriers: [],
    log: [],
    logSkipped: 0,
    report: null,
    reportText: null,
    error: null,
    ...overrides,
  };
}

describe.skipIf(!hasChromium && !required)('inspector page logic in Chromium', () => {
  let browser: Browser;
  let page: Page;
  let server: InspectorServer | undefined;

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: chromiumPath, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  }, 40_000);
  afterAll(async () => {
    await browser?.close();
  });
  afterEach(async () => {
    await page?.close();
    await server?.close();
    server = undefined;
  });

  const open = async (source: InspectorSource) => {
    server = await startInspectorServer(source, { port: 0 });
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(server.url);
    await page.locator('article.card').first().waitFor({ timeout: 10_000 });
  };
  const field = (name: string, key: string) => page.locator(`article.card[data-scenario="${name}"] [data-field="${key}"]`).textContent();

  it('shows a stored paused run as stored: paused cards with their stored elapsed time, and a log rebuilt from the store', async () => {
    const report = smallReport();
    const started = Date.now() - 14_500;
    const alpha = progress('simple', { status: 'running', finishedAt: null, startedAt: started, elapsedMs: 3_400, milestonesReached: [0, 30], milestoneElapsedMs: { '0': 0, '30': 1_000 } });
    await open(storedInspectorSource({ id: 'orch-stored', config, status: 'paused', progress: [alpha, progress('medium'), progress('complex')], barriers: [], report }));

    await expect.poll(() => page.locator('#connection').textContent()).toBe('stored');
    expect(await field('simple', 'status')).toBe('paused');
    expect(await field('simple', 'elapsed')).toBe('3.4 s');
    await page.waitForTimeout(700);
    expect(await field('simple', 'elapsed')).toBe('3.4 s');
    await expect.poll(() => page.locator('#log-rows tr', { hasText: 'milestone.reached' }).count()).toBe(2);
    expect(await page.locator('#log-rows tr', { hasText: 'batches settled' }).count()).toBe(3);
    expect(await page.locator('#log-note').textContent()).toMatch(/^Rebuilt from the store/);
  });

  it('says finished, not live, once a live run has ended', async () => {
    await open(fixedSource((now) => liveView(now, { status: 'finished' })));
    await expect.poll(() => page.locator('#connection').textContent()).toBe('finished');
    expect(await page.locator('#connection').getAttribute('data-state')).toBe('finished');
  });

  it('shows when an open barrier times out, on the timeline and in words', async () => {
    const barrier = { milestone: 30, status: 'open' as const, arrivals: [{ scenario: 'simple', elapsedMs: 1_000 }], deadlineMs: 31_000, record: null };
    await open(fixedSource((now) => liveView(now, { barriers: [barrier] })));
    const row = page.locator('.barrier[data-milestone="30"]');
    await row.waitFor();
    expect(await page.locator('#connection').textContent()).toBe('live');
    expect(await row.getAttribute('data-deadline-ms')).toBe('31000');
    expect(await row.locator('.deadline').count()).toBe(1);
    expect(await row.locator('.barrier-summary').textContent()).toMatch(/^open since 1\.0 s, times out at 31\.0 s \(in 2\d\.\d s\); waiting for medium, complex$/);
  });
});
