import { describe, expect, it } from 'vitest';
import { ReportSchema } from '../../src/report/schema.ts';
import { scenarios, tempDir } from '../cli/spawnCli.ts';

/** `scenarios run` with the default config, in an empty temp folder, on the in-memory store. */
async function defaultRun(args: string[]) {
  const { dir, remove } = tempDir();
  try {
    return await scenarios(['run', '--db', 'memory', ...args], dir);
  } finally {
    remove();
  }
}

describe.concurrent('the default run measures latency against the complex scenario’s target', () => {
  it('--json: complex has a latency score that follows from its time per item and its 1 ms target', async () => {
    const { code, stdout, stderr } = await defaultRun(['--json']);
    expect(code, stderr).toBe(0);
    const report = ReportSchema.parse(JSON.parse(stdout));
    const perItem = report.comparison.timePerItemMs.complex;
    expect(perItem).toBeGreaterThan(0);
    // The simulated skill takes 100 ms per batch of 100 items with 4 batches in flight: well under 1 ms per item.
    const expected = Math.round(Math.min(1, 1 / perItem!) * 10_000) / 10_000;
    expect(report.scenarios.complex?.qualityScores.latency).toBe(expected);
    expect(report.comparison.missingMetrics).toEqual([]);
    expect(report.recommendations.join('\n')).not.toContain('latency');
  });

  it('text: the quality section prints the latency score, not "missing"', async () => {
    const { code, stdout, stderr } = await defaultRun([]);
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/^ {2}complex: accuracy [\d.]+, coverage 1, latency (1|0\.\d+), overall [\d.]+$/m);
    expect(stdout).not.toContain('latency missing');
  });
});
