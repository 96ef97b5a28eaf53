import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadChartAssets } from '../../src/inspect/staticAssets.ts';
import { buildReport } from '../../src/report/buildReport.ts';
import { formatMs } from '../../src/report/format.ts';
import { buildChartData, ChartDataSchema } from '../../src/report/html/chartData.ts';
import { renderHtml } from '../../src/report/html/renderHtml.ts';
import { ReportSchema, type Report } from '../../src/report/schema.ts';
import { cliCwd, repoRoot, runCli, startCli } from '../support/cliProcess.ts';
import { config, outcome, progress } from '../report/fixtures.ts';
import { probeCharts } from './support/chartProbe.ts';

/**
 * `scenarios report ID --format html` opened from file:// in headless Chromium (Debian's `chromium`, driven
 * by playwright-core): every chart is drawn, names every scenario, the tables hold the report's figures, and
 * the page asks for nothing but itself.
 */

const chromiumPath = '/usr/bin/chromium';
const hasChromium = existsSync(chromiumPath);
// In CI a missing Chromium is a failure, not a skip: .ci/run installs it.
const required = Boolean(process.env.CI);
if (!hasChromium && !required) console.warn(`HTML report browser tests skipped: no Chromium at ${chromiumPath}. Install it with: apt-get install -y chromium`);

const ID = 'orch-html-report';
const SCENARIOS = ['simple', 'medium', 'complex'];

describe('scenarios run --format html', () => {
  it('prints the page on stdout with the run\'s batches in its chart data', async () => {
    const { code, stdout } = await runCli(['run', 'test/fixtures/small-three.json', '--db', 'memory', '--format', 'html']);
    expect(code).toBe(0);
    expect(stdout.startsWith('<!doctype html>')).toBe(true);
    const json = /<script type="application\/json" id="chart-data">([\s\S]*?)<\/script>/.exec(stdout)?.[1] ?? '{}';
    const data = JSON.parse(json) as { progress: { series: { scenario: string; points: unknown[] }[] } };
    // (0, 0) and one point per batch: 6 batches each in small-three.
    expect(data.progress.series.map((s) => [s.scenario, s.points.length])).toEqual(SCENARIOS.map((name) => [name, 7]));
  }, 30_000);

  it('names html among the formats when given one it does not know', async () => {
    const { code, stdout, stderr } = await runCli(['run', 'test/fixtures/small-three.json', '--db', 'memory', '--format', 'pdf']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('--format must be text, md, json or html (got "pdf")');
  });

  it('after a SIGKILL and a resume, draws progress on the report\'s clock: the downtime cut out where it was', async () => {
    const slow = join(cliCwd(), 'slow-three.json');
    writeFileSync(slow, readFileSync(join(repoRoot, 'test/fixtures/small-three.json'), 'utf8').replace('"latencyMs": 60', '"latencyMs": 300'));
    const db = join(cliCwd(), 'crash-db');
    const run = startCli(['run', slow, '--db', db, '--id', 'crashed']);
    await run.waitFor(/\[barrier 70%\] released/, 1, 60_000);
    run.child.kill('SIGKILL');
    await run.exited;
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const resumed = await runCli(['resume', 'crashed', '--db', db, '--json']);
    expect(resumed.code, resumed.stderr).toBe(0);
    const report = ReportSchema.parse(JSON.parse(resumed.stdout));
    expect(report.downtimeMs).toBeGreaterThan(3_000);
    const html = await runCli(['report', 'crashed', '--db', db, '--format', 'html']);
    const json = /<script type="application\/json" id="chart-data">([\s\S]*?)<\/script>/.exec(html.stdout)?.[1] ?? '{}';
    const data = ChartDataSchema.parse(JSON.parse(json));
    expect(data.progress.downtime.periods).toHaveLength(1);
    expect(data.progress.downtime.periods[0]?.downMs).toBeCloseTo(report.downtimeMs, -2);
    // Each line ends where the report's elapsed time does (every scenario started with the run), not downtime later.
    for (const series of data.progress.series) {
      const last = series.points[series.points.length - 1]?.[0] ?? 0;
      expect(Math.abs(last - (report.scenarios[series.scenario]?.elapsedMs ?? 0)), series.scenario).toBeLessThan(100);
    }
  }, 120_000);

  it('refuses html for an experiment before running anything, as run --help says', async () => {
    const refused = await runCli(['run', 'test/fixtures/small-three.json', '--db', 'memory', '--repeat', '2', '--format', 'html']);
    expect(refused.code).toBe(2);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toContain('--format html is one run\'s report');
    // Before running: no repeat's progress was printed.
    expect(refused.stderr).not.toContain('simple');
    const help = await runCli(['run', '--help']);
    expect(help.stdout.replace(/\s+/g, ' ')).toContain('html (one self-contained page with charts, of one run: refused with --repeat and for an experiment id');
  });
});

describe.skipIf(!hasChromium && !required)('HTML report in Chromium', () => {
  let browser: Browser;
  let file: string;
  let report: Report;

  beforeAll(async () => {
    if (!hasChromium) throw new Error(`Chromium is required here (CI is set) but ${chromiumPath} is missing: apt-get install -y chromium`);
    const db = join(cliCwd(), 'html-db');
    const run = await runCli(['run', 'test/fixtures/small-three.json', '--db', db, '--id', ID, '--json']);
    expect(run.code).toBe(0);
    report = ReportSchema.parse(JSON.parse(run.stdout));
    const html = await runCli(['report', ID, '--db', db, '--format', 'html']);
    expect(html.code).toBe(0);
    file = join(cliCwd(), 'report.html');
    writeFileSync(file, html.stdout);
    browser = await chromium.launch({ executablePath: chromiumPath, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('draws every chart offline, names every scenario, and asks for nothing but the file', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const requests: string[] = [];
    const problems: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') problems.push(message.text());
    });
    await page.route('**/*', (route) => (route.request().url() === pathToFileURL(file).href ? route.continue() : route.abort()));
    await page.goto(pathToFileURL(file).href);
    await page.locator('figure[data-chart="quality"] canvas').waitFor();

    const charts = await probeCharts(page, '#report-charts');
    expect(charts.map((c) => c.kind)).toEqual(['progress', 'time-per-item', 'quality']);
    for (const chart of charts) {
      expect(chart.paintedPixels, chart.kind).toBeGreaterThan(2_000);
      for (const name of SCENARIOS) expect(chart.legend, chart.kind).toContain(name);
    }
    const [progress, timePerItem, quality] = charts;
    expect(progress?.points).toBe(3 * 7);
    expect(timePerItem?.points).toBe(3);
    expect(timePerItem?.legend.some((label) => label.startsWith('fit: exponent '))).toBe(true);
    expect(quality?.points).toBe(3);

    expect(requests).toEqual([pathToFileURL(file).href]);
    expect(problems).toEqual([]);

    const artifacts = process.env.SCENARIOS_TEST_ARTIFACTS;
    if (artifacts) {
      mkdirSync(artifacts, { recursive: true });
      await page.screenshot({ path: join(artifacts, 'html-report.png'), fullPage: true });
    }
    await page.close();
  });

  it('holds the report\'s figures in tables that read without JavaScript', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(pathToFileURL(file).href);
    const cells = (table: string, name: string) => page.locator(`#${table} tr[data-scenario="${name}"] td`).allTextContents();

    expect(await page.locator('#report-charts canvas').count()).toBe(0);
    expect(await page.locator('noscript').textContent()).toContain('The charts need JavaScript');
    for (const name of SCENARIOS) {
      const s = report.scenarios[name];
      if (!s) throw new Error(`no ${name} in the report`);
      const row = await cells('scenario-table', name);
      expect(row.slice(0, 5)).toEqual([name, s.status, String(s.itemsProcessed), String(s.itemsFailed), String(s.batchCount)]);
      const perItem = report.comparison.timePerItemMs[name];
      expect(await cells('time-per-item-table', name)).toEqual([name, perItem == null ? '-' : formatMs(perItem), String(s.itemsProcessed - s.cachedItems), formatMs(s.busyMs)]);
      const budget = await cells('budget-table', name);
      expect(budget[1]).toMatch(report.budgets[name]?.time.held ? /^held / : /^BROKEN /);
      // One quality sample per batch.
      expect((await cells('quality-ci-table', name))[3]).toBe(String(s.batchCount));
    }
    const ranked = await page.locator('#quality-table tbody tr').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-scenario')));
    expect(ranked.slice(0, report.comparison.qualityRanking.length)).toEqual(report.comparison.qualityRanking);
    expect(await page.locator('#scaling-verdict').getAttribute('data-verdict')).toBe(report.comparison.scaling.verdict);
    expect(await page.locator('#barrier-table tbody tr').count()).toBe(report.barriers.length);
    await context.close();
  });

  it('draws a resumed run\'s progress without its downtime, marks the break and says so', async () => {
    // Every scenario: batches every 400 ms up to 1.6 s, a crash, and the rest after a resume 19 s later.
    const start = 1_700_000_000_000;
    const scenarios = config.scenarios.map((s) => progress(s.name));
    const batches = scenarios.flatMap((p) =>
      Array.from({ length: p.batchCount }, (_, i) => {
        const finishedAfter = i < 4 ? (i + 1) * 400 : 19_000 + (i + 1) * 400;
        return { scenario: p.name, batchIndex: i, items: p.batchSize, itemsFailed: 0, qualityScore: 0.9, startedAt: start + finishedAfter - 390, finishedAt: start + finishedAfter };
      }),
    );
    const last = Math.max(...batches.map((b) => b.finishedAt)) - start;
    // Two barriers released 50 ms apart: their labels would overlap.
    const barrier = (milestone: number, releasedAtMs: number) => ({ milestone, releasedBy: 'all-arrived' as const, arrived: SCENARIOS, late: [], arrivedAtMs: Object.fromEntries(SCENARIOS.map((n) => [n, releasedAtMs - 20])), openedAtMs: releasedAtMs - 20, releasedAtMs });
    const report = buildReport(outcome(scenarios, { startedAt: start, downtimeMs: 19_000, barriers: [barrier(30, 1_200), barrier(50, 1_250)] }), config);
    const downFile = join(cliCwd(), 'downtime.html');
    writeFileSync(downFile, renderHtml(report, buildChartData(report, batches), await loadChartAssets()));
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto(pathToFileURL(downFile).href);
    const figure = page.locator('figure[data-chart="progress"]');
    await figure.locator('canvas').waitFor();
    // The axis ends where the report's clock does (the last batch less the 19 s down), not at the wall clock's 20 s and more.
    expect(last).toBeGreaterThan(20_000);
    expect(Number(await figure.getAttribute('data-x-max'))).toBeCloseTo((last - 19_000) / 1000, 1);
    expect(await figure.locator('.chart-note').textContent()).toContain('The process was down 19 s after 1.6 s: left out of the time axis');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('shows an A/B run\'s comparison: the table of both versions per scenario and their quality with CIs', async () => {
    const a90 = 'test/fixtures/ab/accuracy90.ts';
    const a85 = 'test/fixtures/ab/accuracy85.ts';
    const run = await runCli(['run', 'test/fixtures/ab/ab-800.json', '--skill', a90, '--skill', a85, '--db', 'memory', '--format', 'html']);
    expect(run.code, run.stderr).toBe(0);
    const abFile = join(cliCwd(), 'ab.html');
    writeFileSync(abFile, run.stdout);
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto(pathToFileURL(abFile).href);
    await page.locator('figure[data-chart="ab"] canvas').waitFor();

    expect(await page.locator('#ab p').first().textContent()).toBe('A/B: a = accuracy@0.90, b = accuracy@0.85 (paired by batch: both ran on the same items)');
    const row = await page.locator('#ab-table tr[data-scenario="all"] td').allTextContents();
    expect(row[1]).toBe('80');
    // a scores about 0.90, b about 0.85, and b − a about −5 points.
    expect(Number(row[2])).toBeCloseTo(0.9, 1);
    expect(Number(row[3])).toBeCloseTo(0.85, 1);
    expect(row[4]).toMatch(/^−[4-6]\.\d \(/);
    expect(await page.locator('#ab li').first().textContent()).toMatch(/^all: /);

    const charts = await probeCharts(page, '#report-charts');
    expect(charts.map((c) => c.kind)).toEqual(['progress', 'time-per-item', 'quality', 'ab']);
    const ab = charts[3];
    expect(ab?.points).toBe(2);
    expect(ab?.legend).toEqual(['a: accuracy@0.90', 'b: accuracy@0.85']);
    expect(ab?.paintedPixels).toBeGreaterThan(2_000);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('shows hostile scenario names as text, and a run without journal rows or completed scenarios without errors', async () => {
    const names = ['<img src=x onerror="window.__pwned=1">', '</script><script>window.__pwned=2</script>'];
    const own = { ...config, scenarios: config.scenarios.slice(0, 2).map((s, i) => ({ ...s, name: names[i] ?? s.name })) };
    const report = buildReport(
      outcome([
        progress(names[0] ?? '', { status: 'failed', failureReason: 'cancelled', itemsProcessed: 10, busyMs: 50 }),
        progress(names[1] ?? '', { status: 'running', itemsProcessed: 0, busyMs: 0, quality: { items: 0, sums: {} } }),
      ]),
      own,
    );
    const hostileFile = join(cliCwd(), 'hostile.html');
    writeFileSync(hostileFile, renderHtml(report, buildChartData(report, []), await loadChartAssets()));
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('dialog', (dialog) => problems.push(`dialog: ${dialog.message()}`));
    await page.goto(pathToFileURL(hostileFile).href);
    await page.locator('figure[data-chart="time-per-item"] canvas').waitFor();

    const charts = await probeCharts(page, '#report-charts');
    const [progressChart, timePerItem] = charts;
    for (const name of names) expect(progressChart?.legend).toContain(name);
    // The failed scenario's point (hollow: not in the fit); the running one did no work.
    expect(timePerItem?.points).toBe(1);
    expect(await page.locator('figure[data-chart="quality"] .chart-empty').textContent()).toContain('no batch reported a qualityScore');
    expect(await page.locator('#scenario-table tbody tr td:first-child').allTextContents()).toEqual(names);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.locator('img').count()).toBe(0);
    expect(problems).toEqual([]);
    await page.close();
  });
});
