import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ProgressEvent } from '../../src/api/progressEvents.ts';
import { createDurableOrchestration, resumeOrchestration, type DurableOrchestration } from '../../src/api/durableOrchestration.ts';
import type { OrchestrationConfigInput } from '../../src/config/schema.ts';
import { MemorySnapshotStore } from '../../src/persistence/MemorySnapshotStore.ts';
import type { Report } from '../../src/report/schema.ts';
import { copyAtCrash } from '../support/crashCopy.ts';
import { simConfig, simScenario } from '../support/simulatedRun.ts';
import { timedSkill } from '../support/timedSkill.ts';

/**
 * Every deadline (time budget, retry backoff, barrier timeout) counts only time the process was up: a
 * restore after a long gap keeps what was left of it. The real machines, batch runner and alarms run on
 * vitest's fake clock; the gap is a jump of the system time while nothing runs.
 */

const T0 = Date.UTC(2026, 0, 1);
const GAP_MS = 5_000;
const LEASE_MS = 60_000;

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
  vi.setSystemTime(T0);
});
afterEach(() => {
  vi.useRealTimers();
});

type Stop = 'SIGKILL' | 'Ctrl+C';

/**
 * Runs `config` for `upMs`, then stops it as `how` (SIGKILL: the store as it stood, no goodbye; Ctrl+C:
 * interrupt(), which pauses and saves), stays down for GAP_MS and resumes. Returns the resumed run and
 * the wall time of the resume.
 */
async function runStopAndResume(config: OrchestrationConfigInput, skill: ReturnType<typeof timedSkill>, upMs: number, how: Stop) {
  const store = new MemorySnapshotStore({ now: () => Date.now() });
  const id = `deadlines-${how}`;
  const run = await createDurableOrchestration(config, { store, skill, id, leaseMs: LEASE_MS });
  run.start();
  await vi.advanceTimersByTimeAsync(upMs);
  let from = store;
  if (how === 'SIGKILL') from = await copyAtCrash(store, id, config.scenarios.map((s) => s.name));
  await run.interrupt();
  vi.setSystemTime(Date.now() + GAP_MS);
  const resumedAt = Date.now();
  const resumed = await resumeOrchestration(id, { store: from, skill, leaseMs: LEASE_MS });
  return { resumed, resumedAt };
}

async function finish(run: DurableOrchestration, ms: number): Promise<Report> {
  await vi.advanceTimersByTimeAsync(ms);
  const outcome = await run.outcome;
  if (outcome.kind !== 'finished') throw new Error(`the run did not finish: ${outcome.kind}`);
  return outcome.report;
}

describe.each<Stop>(['SIGKILL', 'Ctrl+C'])('a restore after a gap longer than the budget left (%s)', (how) => {
  // 10 batches of 100 ms; stopped at 450 ms, with 4 batches done and the 5th in flight.
  const config = (budgetSeconds: number) => simConfig([simScenario('a', 10, { timeBudgetSeconds: budgetSeconds })], { barriers: { at: [], timeoutMs: 1_000 } });

  it('completes: the 5 s down are not charged to a 1.5 s budget', async () => {
    const { resumed } = await runStopAndResume(config(1.5), timedSkill({ latencyMs: 100 }), 450, how);
    const report = await finish(resumed, 2_000);
    expect(report.scenarios.a).toMatchObject({ status: 'complete', batchCount: 10 });
    expect(report.downtimeMs).toBe(GAP_MS);
    // 450 ms before the stop, the 5th batch again and 5 more after it.
    expect(report.scenarios.a?.elapsedMs).toBe(1_050);
    expect(report.budgets.a?.time.held).toBe(true);
  });

  it('still fails once the budget runs out, counting only time up: 800 ms of a 0.8 s budget', async () => {
    const { resumed, resumedAt } = await runStopAndResume(config(0.8), timedSkill({ latencyMs: 100 }), 450, how);
    await vi.advanceTimersByTimeAsync(349);
    expect(resumed.progress()[0]?.status).toBe('running');
    const report = await finish(resumed, 1);
    expect(Date.now() - resumedAt).toBe(350);
    // Batches 4, 5 and 6 settle at 550, 650 and 750 ms of time up; the 7th is aborted at 800 ms.
    expect(report.scenarios.a).toMatchObject({ status: 'failed', failureReason: 'time_budget_exceeded', elapsedMs: 800, batchCount: 7 });
  });
});

describe('a restore while waiting to retry, after a gap longer than the backoff', () => {
  it('waits out what was left of the backoff before the next attempt', async () => {
    // Batch 2's first attempt fails at 300 ms: the retry is due at 1,300 ms. Killed at 400 ms.
    const skill = timedSkill({ latencyMs: 100, fails: (c) => c.batchIndex === 2 && c.attempt === 1 });
    const config = simConfig([simScenario('a', 10)], { barriers: { at: [], timeoutMs: 1_000 }, retry: { maxAttempts: 2, backoffMs: 1_000 } });
    const { resumed, resumedAt } = await runStopAndResume(config, skill, 400, 'SIGKILL');
    expect(resumed.progress()[0]).toMatchObject({ retries: 1, batchCount: 2 });
    await vi.advanceTimersByTimeAsync(899);
    expect(skill.calls.filter((c) => c.batchIndex === 2 && c.attempt === 2)).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(skill.calls.filter((c) => c.batchIndex === 2 && c.attempt === 2).map((c) => c.startedAt - resumedAt)).toEqual([900]);
    const report = await finish(resumed, 2_000);
    expect(report.scenarios.a).toMatchObject({ status: 'complete', batchCount: 10, elapsedMs: 2_100 });
  });
});

describe('a restore at an open barrier, after a gap longer than its timeout', () => {
  it('releases it by timeout only once the timeout has passed in time up', async () => {
    // fast reaches 30 % at 300 ms and waits; slow's first batch takes a minute. Timeout 1 s; killed at 500 ms.
    const skill = timedSkill({ latencyMs: (c) => (c.scenario === 'slow' ? 60_000 : 100) });
    const config = simConfig([simScenario('fast', 10), simScenario('slow', 10)], { barriers: { at: [30], timeoutMs: 1_000 } });
    const { resumed, resumedAt } = await runStopAndResume(config, skill, 500, 'SIGKILL');
    const released: { at: number; event: Extract<ProgressEvent, { type: 'barrier.released' }> }[] = [];
    resumed.subscribe((e) => e.type === 'barrier.released' && released.push({ at: Date.now(), event: e }));
    await vi.advanceTimersByTimeAsync(799);
    expect(released).toEqual([]);
    expect(resumed.barriers().open.map((b) => b.milestone)).toEqual([30]);
    await vi.advanceTimersByTimeAsync(1);
    expect(released.map((r) => [r.at - resumedAt, r.event.barrier.releasedBy, r.event.barrier.arrived, r.event.barrier.late])).toEqual([[800, 'timeout', ['fast'], ['slow']]]);
    // fast waited 1 s at the barrier, not 1 s plus the 5 s down.
    resumed.cancel();
    const report = await finish(resumed, 0);
    expect(report.scenarios.fast?.waitingMs).toBe(1_000);
  });
});
