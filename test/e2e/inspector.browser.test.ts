import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InspectorView } from '../../src/inspect/inspectorView.ts';
import { startCli, type CliRun } from '../support/cliProcess.ts';
import { startTcpProxy, type TcpProxy } from './support/tcpProxy.ts';

/**
 * The inspector page in a real headless Chromium (Debian's `chromium` package, driven by
 * playwright-core), against the real CLI: `scenarios run --inspect` with a skill slow enough to watch.
 * The page is reached through a TCP proxy so the test can cut its connection to the server.
 */

const chromiumPath = '/usr/bin/chromium';
const hasChromium = existsSync(chromiumPath);
// In CI a missing Chromium is a failure, not a skip: .ci/run installs it.
const required = Boolean(process.env.CI);
if (!hasChromium && !required) console.warn(`inspector browser tests skipped: no Chromium at ${chromiumPath}. Install it with: apt-get install -y chromium`);

const card = (page: Page, name: string) => page.locator(`article.card[data-scenario="${name}"]`);
const itemsOf = async (page: Page, name: string) => Number(await card(page, name).getAttribute('data-items'));

describe.skipIf(!hasChromium && !required)('inspector page in Chromium', () => {
  let browser: Browser;
  let cli: CliRun;
  let serverUrl: string;
  let proxy: TcpProxy;
  let page: Page;
  const offMachine: string[] = [];

  beforeAll(async () => {
    if (!hasChromium) throw new Error(`Chromium is required here (CI is set) but ${chromiumPath} is missing: apt-get install -y chromium`);
    browser = await chromium.launch({ executablePath: chromiumPath, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
    cli = startCli(['run', 'test/e2e/fixtures/inspector-run.json', '--skill', 'test/e2e/fixtures/slowSkill.ts', '--inspect=0', '--db', 'memory']);
    await cli.waitFor(/inspector: http:\/\/127\.0\.0\.1:\d+\//, 1, 20_000);
    serverUrl = /inspector: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(cli.stderr())?.[1] ?? '';
    proxy = await startTcpProxy(Number(new URL(serverUrl).port));
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.on('request', (request) => {
      const url = request.url();
      if (!url.startsWith(proxy.url) && !url.startsWith('data:')) offMachine.push(url);
    });
  }, 40_000);

  afterAll(async () => {
    await browser?.close();
    await proxy?.close();
    if (cli && cli.child.exitCode === null) {
      cli.child.kill('SIGINT');
      await cli.exited;
    }
  });

  const serverState = async () => (await (await fetch(`${serverUrl}api/state`)).json()) as InspectorView;

  it('watches, pauses, resumes, survives a dropped connection and ends with the report', async () => {
    await page.goto(proxy.url);

    // Three cards appear and progress; both statecharts are drawn with the active states marked.
    await expect.poll(() => page.locator('article.card').count(), { timeout: 10_000 }).toBe(3);
    for (const name of ['alpha', 'beta', 'gamma']) await expect.poll(() => itemsOf(page, name), { timeout: 10_000 }).toBeGreaterThan(0);
    await page.locator('#chart-orchestrator g[id="state:orchestrator.running"].current').waitFor();
    await page.locator('#chart-scenario g.state.current').first().waitFor();
    await expect.poll(() => page.locator('#connection').getAttribute('data-state')).toBe('live');

    // The barrier at 20% appears on the timeline; once it is passed, pausing one scenario holds nobody else.
    await page.locator('.barrier[data-milestone="20"][data-status="released"]').waitFor({ timeout: 15_000 });
    expect(await page.locator('.barrier[data-milestone="20"] .arrival').count()).toBe(3);

    await card(page, 'alpha').locator('button[data-action="pause"]').click();
    await expect.poll(() => card(page, 'alpha').getAttribute('data-status'), { timeout: 5_000 }).toBe('paused');
    await expect.poll(() => card(page, 'alpha').locator('[data-field="status"]').textContent()).toBe('paused');
    await page.locator('#chart-scenario g[id="state:scenario.paused"].current text.actor-tag', { hasText: 'alpha' }).waitFor();
    const pausedAt = { alpha: await itemsOf(page, 'alpha'), beta: await itemsOf(page, 'beta'), gamma: await itemsOf(page, 'gamma') };
    await sleep(1200);
    expect(await itemsOf(page, 'alpha')).toBe(pausedAt.alpha);
    expect(await itemsOf(page, 'beta')).toBeGreaterThan(pausedAt.beta);
    expect(await itemsOf(page, 'gamma')).toBeGreaterThan(pausedAt.gamma);

    // The event log shows the real event; its filter narrows it down.
    await page.fill('#log-search', 'scenario.pause');
    await page.locator('#log-rows tr', { hasText: 'scenario:alpha' }).first().waitFor();
    await page.fill('#log-search', '');

    await card(page, 'alpha').locator('button[data-action="resume"]').click();
    await expect.poll(() => card(page, 'alpha').getAttribute('data-status'), { timeout: 5_000 }).toBe('running');
    await expect.poll(() => itemsOf(page, 'alpha'), { timeout: 5_000 }).toBeGreaterThan(pausedAt.alpha);

    // Cut the page off for a while; it says so, reconnects by itself and catches up with the server.
    // alpha, paused for a while, is the last to finish, so it is still moving here.
    proxy.block(1500);
    proxy.dropAll();
    await expect.poll(() => page.locator('#connection').getAttribute('data-state'), { timeout: 5_000 }).toBe('reconnecting');
    await sleep(1000);
    const frozen = await itemsOf(page, 'alpha');
    const onServer = (await serverState()).scenarios.find((s) => s.name === 'alpha')?.progress;
    const serverItems = onServer ? onServer.itemsProcessed + onServer.itemsFailed : Number.NaN;
    expect(serverItems).toBeGreaterThan(frozen);
    await expect.poll(() => page.locator('#connection').getAttribute('data-state'), { timeout: 10_000 }).toBe('live');
    expect(Number(await page.locator('#connection').getAttribute('data-reconnects'))).toBeGreaterThanOrEqual(1);
    await expect.poll(() => itemsOf(page, 'alpha'), { timeout: 5_000 }).toBeGreaterThanOrEqual(serverItems);

    // Everyone completes and the report appears.
    for (const name of ['alpha', 'beta', 'gamma']) await expect.poll(() => card(page, name).getAttribute('data-status'), { timeout: 30_000 }).toBe('complete');
    await page.locator('#report:not([hidden]) .report-table tbody tr').first().waitFor({ timeout: 10_000 });
    expect(await page.locator('#report .report-table tbody tr').count()).toBe(3);
    await page.locator('#chart-orchestrator g[id="state:orchestrator.done"].current').waitFor();
    await expect.poll(() => page.locator('#run-status').textContent()).toBe('finished');
    await cli.waitFor(/inspector still serving/, 1, 10_000);

    // A picture of the finished page for a human, only where asked for: tests write nothing into the repository.
    const artifacts = process.env.SCENARIOS_TEST_ARTIFACTS;
    if (artifacts) {
      mkdirSync(artifacts, { recursive: true });
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({ path: join(artifacts, 'inspector-final.png'), fullPage: true });
    }

    // A page opened after the run still shows the final state and the report.
    const late = await browser.newPage();
    await late.goto(proxy.url);
    await late.locator('#report:not([hidden]) .report-table tbody tr').first().waitFor({ timeout: 10_000 });
    for (const name of ['alpha', 'beta', 'gamma']) expect(await card(late, name).getAttribute('data-status')).toBe('complete');
    expect(await late.locator('button[data-action="pause"]:not([disabled])').count()).toBe(0);
    await late.close();

    expect(offMachine).toEqual([]);

    // Ctrl+C ends the serving CLI with the run's exit code.
    cli.child.kill('SIGINT');
    expect(await cli.exited).toBe(0);
  }, 60_000);
});
