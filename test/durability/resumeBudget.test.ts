import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ReportSchema } from '../../src/report/schema.ts';
import { runCli, startCli } from '../support/cliProcess.ts';

/**
 * The time budget counts working time, not time down: a run stopped halfway through a tight budget and
 * resumed after a gap longer than the budget it had left still completes (issue 7). One scenario, 10
 * batches of 100 ms (1 s of work) within a 3 s budget; stopped at 50 %, down 3.5 s.
 */
const work = mkdtempSync(join(tmpdir(), 'scenarios-resume-budget-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const GAP_MS = 3_500;
// The Postgres server when there is one; else one PGlite folder for both (creating it is slow on a busy machine).
const db = process.env.DATABASE_URL ?? join(work, 'db');

describe.each([
  { how: 'Ctrl+C', signal: 'SIGINT' as const, exit: 130 },
  { how: 'SIGKILL', signal: 'SIGKILL' as const, exit: null },
])('a run stopped by $how with a tight time budget', ({ signal, exit }) => {
  it('resumes to completion after a gap longer than the budget left', async () => {
    const id = `budget-${signal.toLowerCase()}-${Date.now()}`;
    const env = { SCENARIOS_LEASE_MS: '600' };
    const first = startCli(['run', 'test/fixtures/tight-budget.json', '--db', db, '--id', id], env);
    await first.waitFor(/\] milestone 50%/, 1, 120_000);
    first.child.kill(signal);
    expect(await first.exited).toBe(exit);
    await new Promise((r) => setTimeout(r, GAP_MS));

    const resumed = await runCli(['resume', id, '--db', db, '--json'], env);
    expect(resumed.code, resumed.stderr).toBe(0);
    const report = ReportSchema.parse(JSON.parse(resumed.stdout));
    expect(report.scenarios.tight).toMatchObject({ status: 'complete', itemsProcessed: 10 });
    expect(report.budgets.tight?.time.held).toBe(true);
    expect(report.downtimeMs).toBeGreaterThanOrEqual(GAP_MS);
    // Elapsed time is working time: well under the 3 s budget, not the 3.5 s gap on top.
    expect(report.scenarios.tight?.elapsedMs).toBeLessThan(3_000);
  }, 240_000);
});
