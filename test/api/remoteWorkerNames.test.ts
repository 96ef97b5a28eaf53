import { describe, expect, it } from 'vitest';
import type { ExecuteBatch } from '../../src/actors/batchRunner.ts';
import { builtinSkill } from '../../src/actors/loadSkill.ts';
import { createOrchestration, type Orchestration } from '../../src/api/createOrchestration.ts';
import { ProgressEventSchema, type ProgressEvent } from '../../src/api/progressEvents.ts';
import { loadStoredRun } from '../../src/api/storedRun.ts';
import { parseConfig } from '../../src/config/parseConfig.ts';
import type { OrchestrationConfigInput } from '../../src/config/schema.ts';
import { MACHINE_VERSION } from '../../src/machines/version.ts';
import { MemorySnapshotStore } from '../../src/persistence/MemorySnapshotStore.ts';
import { XSTATE_VERSION } from '../../src/persistence/versions.ts';
import { renderText } from '../../src/report/renderText.ts';
import { ReportSchema } from '../../src/report/schema.ts';
import { simConfig, simScenario } from '../support/simulatedRun.ts';

/**
 * The worker that ran each remote batch reaches the progress stream (`batch.settled`) and the report's
 * workers section. `execute` stands in for RemoteBatches (src/remote): it calls the simulated skill here and
 * says a worker ran it, as a `scenarios worker` does, with a busy time of 10 ms on that worker.
 */

const A = 'host-a/101-aaaa';
const B = 'host-b/202-bbbb';

/** `a`: five batches one at a time; `b`: two batches with two in flight at once. */
function remoteConfig(): OrchestrationConfigInput {
  return simConfig([simScenario('a', 10, { skillParams: { batchSize: 2 } }), simScenario('b', 10, { skillParams: { batchSize: 5, parallelWorkers: 2 } })], {
    seed: 3,
    skill: { name: 'simulated', params: { latencyMs: 0 } },
    execution: { mode: 'remote' },
  });
}

/** Even batches on worker A, odd ones on B (or every one on `only`). */
function fakeWorkers(only?: string): { execute: ExecuteBatch; calls: number } {
  const skill = builtinSkill('simulated');
  const state = {
    calls: 0,
    execute: (async ({ index, items, ctx }) => {
      state.calls += 1;
      const raw = await skill.run(items as never, ctx);
      const t0 = performance.now();
      return { raw, error: undefined, t0, t1: t0 + 10, worker: only ?? (index % 2 === 0 ? A : B) };
    }) satisfies ExecuteBatch,
  };
  return state;
}

function collect(run: Orchestration): ProgressEvent[] {
  const events: ProgressEvent[] = [];
  run.subscribe((e) => events.push(e));
  return events;
}

const settled = (events: ProgressEvent[]) => events.flatMap((e) => (e.type === 'batch.settled' ? [[e.scenario, e.batchIndex, e.worker]] : []));

describe('remote batches name their worker', () => {
  it('in each batch.settled event, and the report gives each worker its batches, items, busy time on the worker and share', async () => {
    const journal = new MemorySnapshotStore();
    const workers = fakeWorkers();
    const run = createOrchestration(remoteConfig(), { id: 'orch-remote', journal, execute: workers.execute });
    const events = collect(run);
    run.start();
    const report = await run.result;

    expect(settled(events).sort(byScenarioThenIndex)).toEqual([
      ...[0, 1, 2, 3, 4].map((i) => ['a', i, i % 2 === 0 ? A : B]),
      ...[0, 1].map((i) => ['b', i, i % 2 === 0 ? A : B]),
    ].sort(byScenarioThenIndex));
    for (const event of events) expect(ProgressEventSchema.parse(event)).toEqual(event);

    const processed = Object.values(report.scenarios).reduce((n, s) => n + s.itemsProcessed, 0);
    const failed = Object.values(report.scenarios).reduce((n, s) => n + s.itemsFailed, 0);
    expect(report.workers?.batches).toBe(7);
    expect(report.workers?.otherBatches).toBe(0);
    // A ran a's batches 0, 2, 4 (2 items each) and b's batch 0 (5 items); B the rest. Each call took 10 ms on
    // its worker, including b's two concurrent ones (the scenario's busy time counts their overlap once).
    expect(report.workers?.perWorker.map((w) => [w.name, w.batches, w.items, w.busyMs, w.batchShare])).toEqual([
      [A, 4, 11, 40, 0.5714],
      [B, 3, 9, 30, 0.4286],
    ]);
    const perWorker = report.workers?.perWorker ?? [];
    expect(perWorker.reduce((n, w) => n + w.items - w.itemsFailed, 0)).toBe(processed);
    expect(perWorker.reduce((n, w) => n + w.itemsFailed, 0)).toBe(failed);
    for (const w of perWorker) expect(w.itemsPerBusySecond).toBeCloseTo(((w.items - w.itemsFailed) * 1000) / w.busyMs, 1);
    expect(ReportSchema.parse(report)).toEqual(report);
    expect(renderText(report)).toMatch(/Workers \(2 ran 7 of 7 recorded batches\)\n\s+Worker.*\n\s+host-a\/101-aaaa\s+4\s+57\.1%\s+11\s/);
    // The orchestration.finished event carries the same report.
    const finished = events.find((e) => e.type === 'orchestration.finished');
    expect(finished?.type === 'orchestration.finished' && finished.report.workers).toEqual(report.workers);

    // A stored run's report (`scenarios report <id>`), rebuilt from the store, has the same section.
    const config = parseConfig(remoteConfig());
    await journal.create({
      id: 'orch-remote',
      config,
      skill: { name: run.skill.name, version: run.skill.version },
      status: 'complete',
      snapshot: run.actor.getPersistedSnapshot(),
      machineVersion: MACHINE_VERSION,
      xstateVersion: XSTATE_VERSION,
      owner: null,
      leaseExpiresAt: null,
    });
    expect((await loadStoredRun(journal, 'orch-remote')).report.workers).toEqual(report.workers);
  });

  it('from the journal when a resumed run replays batches that ran before: the worker that ran them, not the one running now', async () => {
    const journal = new MemorySnapshotStore();
    const first = createOrchestration(remoteConfig(), { id: 'orch-again', journal, execute: fakeWorkers().execute });
    first.start();
    await first.result;

    // The same id on the same journal: every batch is already recorded, so each is replayed, none runs.
    const later = fakeWorkers('host-c/303-cccc');
    const again = createOrchestration(remoteConfig(), { id: 'orch-again', journal, execute: later.execute });
    const events = collect(again);
    again.start();
    const report = await again.result;
    expect(later.calls).toBe(0);
    expect(settled(events).sort(byScenarioThenIndex)).toEqual([...[0, 1, 2, 3, 4].map((i) => ['a', i, i % 2 === 0 ? A : B]), ...[0, 1].map((i) => ['b', i, i % 2 === 0 ? A : B])].sort(byScenarioThenIndex));
    expect(report.workers?.perWorker.map((w) => w.name)).toEqual([A, B]);
  });

  it('not in a local run: no worker in its events, no workers section in its report', async () => {
    const run = createOrchestration({ ...remoteConfig(), execution: { mode: 'local' } });
    const events = collect(run);
    run.start();
    const report = await run.result;
    const batches = events.filter((e) => e.type === 'batch.settled');
    expect(batches).toHaveLength(7);
    for (const event of batches) expect(event).not.toHaveProperty('worker');
    expect(report).not.toHaveProperty('workers');
    expect(renderText(report)).not.toContain('Workers');
  });
});

function byScenarioThenIndex(x: unknown[], y: unknown[]): number {
  return String(x[0]).localeCompare(String(y[0])) || Number(x[1]) - Number(y[1]);
}
