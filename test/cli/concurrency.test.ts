import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ReportSchema } from '../../src/report/schema.ts';
import { runCli } from '../support/cliProcess.ts';

/** "wide" runs 4 batches at once and "narrow" 2: up to 6 in flight without a bound. */
const config = 'test/fixtures/parallel-four.json';
const skill = 'test/fixtures/inFlightSkill.ts';
const work = mkdtempSync(join(tmpdir(), 'scenarios-concurrency-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const mostInFlight = (file: string) => Math.max(...readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number));

describe('scenarios run --concurrency', () => {
  it('bounds batches in flight across all scenarios, which otherwise run their parallelWorkers each', async () => {
    const bounded = join(work, 'bounded.log');
    const run = await runCli(['run', config, '--skill', skill, '--db', 'memory', '--json', '--concurrency', '2'], { RECORD_FILE: bounded });
    expect(run.code, run.stderr).toBe(0);
    expect(Object.values(ReportSchema.parse(JSON.parse(run.stdout)).scenarios).map((s) => s.status)).toEqual(['complete', 'complete']);
    expect(mostInFlight(bounded)).toBe(2);

    const free = join(work, 'free.log');
    const unbounded = await runCli(['run', config, '--skill', skill, '--db', 'memory', '--json'], { RECORD_FILE: free });
    expect(unbounded.code, unbounded.stderr).toBe(0);
    expect(mostInFlight(free)).toBeGreaterThan(2);
  }, 120_000);

  it.each(['0', '-1', '1.5', 'many'])('refuses --concurrency %s as bad input (exit 2), naming the option', async (value) => {
    const run = await runCli(['run', config, '--db', 'memory', `--concurrency=${value}`]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--concurrency must be a positive integer');
  }, 60_000);
});
