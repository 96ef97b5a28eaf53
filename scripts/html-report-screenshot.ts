// `npm run docs:screenshot`: docs/images/html-report.png, the README's picture of the HTML report, taken from a
// real run. Four scenarios over the built-in simulated skill (same batch size, input doubling, barriers at 30%
// and 70%) run through the CLI into a PGlite store in a temp folder; `scenarios report ID --format html` writes
// the page, and headless Chromium (/usr/bin/chromium) photographs its header and charts. Nothing is left
// behind but the PNG.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const root = fileURLToPath(new URL('..', import.meta.url));
const output = join(root, 'docs', 'images', 'html-report.png');
const MAX_BYTES = 200 * 1024;
const ID = 'orch-5c1d2e7a';

const scenario = (name: string, difficulty: string, inputSize: number, expectedQuality: string) => ({
  name, difficulty, complexityMultiplier: 1, inputSize, timeBudgetSeconds: 60, memoryLimitMb: 4096, errorTolerance: 0.05,
  skillParams: { batchSize: 20 }, expectedQuality, qualityMetrics: ['accuracy', 'coverage'],
});
const config = {
  seed: 11,
  skill: { name: 'simulated', params: { latencyMs: 30 } },
  barriers: { at: [30, 70], timeoutMs: 30_000 },
  scenarios: [
    scenario('small', 'easy', 160, 'basic'),
    scenario('medium', 'intermediate', 320, 'good'),
    scenario('large', 'advanced', 640, 'good'),
    scenario('x-large', 'advanced', 1280, 'excellent'),
  ],
};

function cli(args: string[], cwd: string): string {
  const result = spawnSync(process.execPath, [join(root, 'bin', 'scenarios.js'), ...args], { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`scenarios ${args.join(' ')} exited with ${result.status}:\n${result.stderr}`);
  return result.stdout;
}

const work = mkdtempSync(join(tmpdir(), 'scenarios-screenshot-'));
try {
  writeFileSync(join(work, 'scenarios.json'), JSON.stringify(config, null, 2));
  const db = join(work, 'db');
  cli(['run', 'scenarios.json', '--db', db, '--id', ID, '--json'], work);
  const page = join(work, 'report.html');
  writeFileSync(page, cli(['report', ID, '--db', db, '--format', 'html'], work));

  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  try {
    const tab = await browser.newPage({ viewport: { width: 1100, height: 800 }, deviceScaleFactor: 1 });
    await tab.goto(pathToFileURL(page).href);
    await tab.locator('figure[data-chart="quality"] canvas').waitFor();
    const charts = await tab.locator('#charts').boundingBox();
    if (!charts) throw new Error('the page has no charts section');
    await tab.screenshot({ path: output, fullPage: true, clip: { x: 0, y: 0, width: 1100, height: Math.ceil(charts.y + charts.height + 16) } });
  } finally {
    await browser.close();
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

const bytes = statSync(output).size;
console.log(`wrote ${output} (${Math.round(bytes / 1024)} KB)`);
if (bytes > MAX_BYTES) {
  console.error(`the screenshot is larger than ${MAX_BYTES / 1024} KB: keep the README light (smaller viewport or fewer charts)`);
  process.exitCode = 1;
}
