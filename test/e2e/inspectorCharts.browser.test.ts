import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCli, type CliRun } from '../support/cliProcess.ts';
import { probeCharts } from './support/chartProbe.ts';

/**
 * The live inspector draws the HTML report's charts (the same charts.js, with uPlot served by the inspector)
 * for the run it watches, and they grow as batches finish: `scenarios run --inspect` with a slow test skill.
 */

const chromiumPath = '/usr/bin/chromium';
const hasChromium = existsSync(chromiumPath);
// In CI a missing Chromium is a failure, not a skip: .ci/run installs it.
const required = Boolean(process.env.CI);
if (!hasChromium && !required) console.warn(`inspector chart browser tests skipped: no Chromium at ${chromiumPath}. Install it with: apt-get install -y chromium`);

const SCENARIOS = ['alpha', 'beta', 'gamma'];

describe.skipIf(!hasChromium && !required)('inspector charts in Chromium', () => {
  let browser: Browser;
  let cli: CliRun;
  let url: string;

  beforeAll(async () => {
    if (!hasChromium) throw new Error(`Chromium is required here (CI is set) but ${chromiumPath} is missing: apt-get install -y chromium`);
    browser = await chromium.launch({ executablePath: chromiumPath, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
    cli = startCli(['run', 'test/e2e/fixtures/inspector-run.json', '--skill', 'test/e2e/fixtures/slowSkill.ts', '--inspect=0', '--db', 'memory']);
    await cli.waitFor(/inspector: http:\/\/127\.0\.0\.1:\d+\//, 1, 20_000);
    url = /inspector: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(cli.stderr())?.[1] ?? '';
  }, 40_000);

  afterAll(async () => {
    await browser?.close();
    if (cli && cli.child.exitCode === null) {
      cli.child.kill('SIGINT');
      await cli.exited;
    }
  });

  it('draws progress, time per item and quality while the run goes on, growing with it, and the fit once the report is in', async () => {
    const page = await browser.newPage({ viewport: { width: 1300, height: 1000 } });
    const offMachine: string[] = [];
    const problems: string[] = [];
    page.on('request', (request) => {
      if (!request.url().startsWith(url) && !request.url().startsWith('data:')) offMachine.push(request.url());
    });
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    await page.goto(url);

    const progressPoints = async () => (await probeCharts(page, '#live-charts')).find((c) => c.kind === 'progress')?.points ?? 0;
    await expect.poll(progressPoints, { timeout: 10_000 }).toBeGreaterThan(6);
    const early = await probeCharts(page, '#live-charts');
    expect(early.map((c) => c.kind)).toEqual(['progress', 'time-per-item', 'quality']);
    for (const chart of early) {
      expect(chart.paintedPixels, chart.kind).toBeGreaterThan(2_000);
      for (const name of SCENARIOS) expect(chart.legend, chart.kind).toContain(name);
    }
    const earlyProgress = early[0];
    if (!earlyProgress) throw new Error('no progress chart');

    // Batches keep finishing (after the barrier at 20%, where everyone waits a while): the lines get more points.
    await expect.poll(progressPoints, { timeout: 15_000 }).toBeGreaterThan(earlyProgress.points + 20);
    const later = await probeCharts(page, '#live-charts');
    expect(later[0]?.paintedPixels).toBeGreaterThan(2_000);

    // With the report, time per item gains the scaling fit.
    await page.locator('#report:not([hidden])').waitFor({ timeout: 40_000 });
    await expect
      .poll(async () => (await probeCharts(page, '#live-charts')).find((c) => c.kind === 'time-per-item')?.legend.some((l) => l.startsWith('fit: exponent ')), { timeout: 5_000 })
      .toBe(true);

    expect(offMachine).toEqual([]);
    expect(problems).toEqual([]);
    await page.close();
  }, 60_000);
});
