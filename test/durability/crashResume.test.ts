import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ReportSchema, type Report } from '../../src/report/schema.ts';
import { runCli, startCli } from '../support/cliProcess.ts';
import { executions, recordedCalls, totals } from '../support/crashRuns.ts';
import { serverUrl, skipWithoutServer } from '../support/postgresServer.ts';

const config = 'test/fixtures/small-three.json';
const skill = 'test/fixtures/recordingSkill.ts';
const batchesPerScenario = { simple: 6, medium: 6, complex: 6 };
const work = mkdtempSync(join(tmpdir(), 'scenarios-crash-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function uninterrupted(): Promise<Report> {
  const record = join(work, `baseline-${Date.now()}.log`);
  const { code, stdout, stderr } = await runCli(['run', config, '--skill', skill, '--db', 'memory', '--json'], { RECORD_FILE: record });
  expect(code, stderr).toBe(0);
  return ReportSchema.parse(JSON.parse(stdout));
}

/** SIGKILLs a run once every scenario has passed its 30% milestone, then resumes it to the end. */
async function crashAndResume(db: string, id: string) {
  const record = join(work, `${id}.log`);
  const env = { RECORD_FILE: record, SCENARIOS_LEASE_MS: '1000' };
  const first = startCli(['run', config, '--skill', skill, '--db', db, '--id', id], env);
  await first.waitFor(/\] milestone 30%/, 3);
  first.child.kill('SIGKILL');
  expect(await first.exited).toBe(null);

  // The dead process's lease lapses after 1 s; resume takes the run over.
  await new Promise((r) => setTimeout(r, 1200));
  const resumed = await runCli(['resume', id, '--db', db, '--json'], env);
  expect(resumed.code, resumed.stderr).toBe(0);
  return { report: ReportSchema.parse(JSON.parse(resumed.stdout)), executed: executions(recordedCalls(record)) };
}

function expectNoLossAndAtMostOneRerun(id: string, executed: Map<string, number>) {
  for (const [scenario, batches] of Object.entries(batchesPerScenario)) {
    const counts = Array.from({ length: batches }, (_, i) => executed.get(`${id}/${scenario}/batch/${i}`) ?? 0);
    expect(counts.every((n) => n >= 1), `${scenario}: every batch ran (${counts.join(',')})`).toBe(true);
    expect(counts.filter((n) => n > 1).length, `${scenario}: at most one batch re-ran (${counts.join(',')})`).toBeLessThanOrEqual(1);
    expect(Math.max(...counts)).toBeLessThanOrEqual(2);
  }
}

describe('crash and resume', () => {
  // The PGlite twin below always runs.
  it.skipIf(skipWithoutServer('crash and resume'))('finishes a SIGKILLed run on the Postgres server with the totals of an uninterrupted run', async () => {
    const baseline = await uninterrupted();
    const id = `crash-pg-${Date.now()}`;
    const { report, executed } = await crashAndResume(serverUrl ?? '', id);
    expect(totals(report)).toEqual(totals(baseline));
    expect(report.downtimeMs).toBeGreaterThan(0);
    expectNoLossAndAtMostOneRerun(id, executed);
  }, 60_000);

  it('finishes a SIGKILLed run on embedded PGlite with the totals of an uninterrupted run', async () => {
    const baseline = await uninterrupted();
    const id = `crash-pglite-${Date.now()}`;
    const { report, executed } = await crashAndResume(join(work, 'db'), id);
    expect(totals(report)).toEqual(totals(baseline));
    expectNoLossAndAtMostOneRerun(id, executed);
  }, 60_000);
});
