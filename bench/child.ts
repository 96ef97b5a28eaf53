/**
 * One measurement in a fresh process, started by harness.runChild (never by hand, though it works so):
 *   child.ts fresh <kind> <skill> <shape JSON>   the first run of a contender in a new process
 *   child.ts scale <bare|project> <scenarios>    one scale point: wall, CPU, peak RSS, barriers, snapshot size
 * It reports `{ type: 'result', ... }` to the parent, and `{ type: 'progress', ... }` every second while
 * a scale point runs, so a parent that kills it at its time cap knows how far it got.
 */
import { isKind, prepare, skillFor } from './contenders.ts';
import { timed, report } from './harness.ts';
import type { BenchShape } from './benchConfig.ts';
import type { BatchRecord, OrchestrationStatus } from '../src/persistence/SnapshotStore.ts';
import type { ProgressEvent } from '../src/api/progressEvents.ts';

const maxRssMb = () => process.resourceUsage().maxRSS / 1024;

async function fresh(kind: string, skillSpec: string, shapeJson: string): Promise<void> {
  if (!isKind(kind)) throw new Error(`unknown kind ${kind}`);
  const shape = JSON.parse(shapeJson) as BenchShape;
  const load = await timed(() => prepare(kind, shape, skillFor(skillSpec)));
  const run = await timed(load.value);
  await report({ type: 'result', kind, loadMs: load.wallMs, wallMs: run.wallMs, cpuMs: run.cpuMs, maxRssMb: maxRssMb() });
}

/** 100 items per scenario in batches of 10, barriers at 30/70, no-op skill, durable run on the memory store. */
async function scale(kind: string, scenarios: number): Promise<void> {
  const shape: BenchShape = { scenarios, batches: 10, batchSize: 10 };
  const total = scenarios * shape.batches;
  const { bareLoop, benchConfig, noopSkill } = await import('./benchConfig.ts');
  if (kind === 'bare') {
    const run = await timed(() => bareLoop(shape, noopSkill));
    await report({ type: 'result', kind, wallMs: run.wallMs, cpuMs: run.cpuMs, batches: run.value, maxRssMb: maxRssMb() });
    return;
  }
  const { createDurableOrchestration } = await import('../src/api/durableOrchestration.ts');
  const { MemorySnapshotStore } = await import('../src/persistence/MemorySnapshotStore.ts');
  /** The memory store, also weighing the first snapshot saved once half the batches are recorded. */
  class WeighingStore extends MemorySnapshotStore {
    recorded = 0;
    midRunBytes = 0;
    override recordBatch(record: BatchRecord): Promise<void> {
      this.recorded += 1;
      return super.recordBatch(record);
    }
    override save(id: string, update: { snapshot: unknown; status: OrchestrationStatus; expectedVersion: number }): Promise<number> {
      if (this.midRunBytes === 0 && this.recorded >= total / 2) this.midRunBytes = JSON.stringify(update.snapshot).length;
      return super.save(id, update);
    }
  }
  const store = new WeighingStore();
  const t0 = performance.now();
  const state: { phase: string; done: () => number } = { phase: 'creating', done: () => 0 };
  // Sent before the heavy part: creating many actors can hold the event loop for longer than the cap.
  await report({ type: 'progress', phase: state.phase, batchesDone: 0, batchesTotal: total, elapsedMs: 0, maxRssMb: maxRssMb() });
  const tick = setInterval(() => {
    const done = state.done();
    void report({ type: 'progress', phase: state.phase, batchesDone: done, batchesTotal: total, elapsedMs: performance.now() - t0, maxRssMb: maxRssMb() });
  }, 1000);
  try {
    const run = await timed(async () => {
      const created = await timed(() => createDurableOrchestration(benchConfig(shape), { store, skill: noopSkill }));
      const orchestration = created.value;
      const releases = watchReleases(orchestration);
      state.done = () => store.recorded;
      state.phase = 'starting';
      const started = await timed(() => orchestration.start());
      state.phase = 'running';
      const outcome = await orchestration.outcome;
      return { outcome, createMs: created.wallMs, startMs: started.wallMs, stats: orchestration.persistenceStats(), releases };
    });
    const { outcome, createMs, startMs, stats, releases } = run.value;
    if (outcome.kind !== 'finished') throw new Error(`scale run ended ${outcome.kind}`);
    const barriers = outcome.report.barriers.map((b) => {
      const lastArrival = Math.max(...Object.values(b.arrivedAtMs));
      return { milestone: b.milestone, releasedBy: b.releasedBy, arrived: b.arrived.length, firstArrivalMs: Math.min(...Object.values(b.arrivedAtMs)), lastArrivalMs: lastArrival, releasedAtMs: b.releasedAtMs, releaseLatencyMs: releases.latencyMs(b.milestone), stampedLatencyMs: b.releasedAtMs - lastArrival };
    });
    const batches = Object.values(outcome.report.scenarios).reduce((n, s) => n + s.batchCount, 0);
    await report({
      type: 'result', kind, wallMs: run.wallMs, cpuMs: run.cpuMs, createMs, startMs, batches, maxRssMb: maxRssMb(),
      snapshotWrites: stats.writes, midRunSnapshotBytes: store.midRunBytes, finalSnapshotBytes: stats.lastBytes, barriers,
    });
  } finally {
    clearInterval(tick);
  }
}

/**
 * Barrier release latency as a user would see it, in real time: from the progress stream's last
 * `barrier.arrived` of a milestone to the last scenario leaving that barrier (its `scenario.state` past
 * `running.atBarrier`). The report's own times are event stamps, equal for the last arrival and the release.
 */
function watchReleases(run: { subscribe(listener: (event: ProgressEvent) => void): () => void }): { latencyMs(milestone: number): number } {
  const lastArrival = new Map<number, number>();
  const lastPass = new Map<number, number>();
  const waitingAt = new Map<string, number>();
  run.subscribe((event) => {
    const t = performance.now();
    if (event.type === 'barrier.arrived') {
      lastArrival.set(event.milestone, t);
      waitingAt.set(event.scenario, event.milestone);
    } else if (event.type === 'scenario.state' && event.state !== 'running.atBarrier') {
      const milestone = waitingAt.get(event.scenario);
      if (milestone === undefined) return;
      waitingAt.delete(event.scenario);
      lastPass.set(milestone, t);
    }
  });
  return { latencyMs: (milestone) => (lastPass.get(milestone) ?? NaN) - (lastArrival.get(milestone) ?? NaN) };
}

const [mode, ...args] = process.argv.slice(2);
try {
  if (mode === 'fresh') await fresh(args[0] ?? '', args[1] ?? 'noop', args[2] ?? '{}');
  else if (mode === 'scale') await scale(args[0] ?? '', Number(args[1]));
  else throw new Error(`unknown mode ${mode}; use fresh or scale`);
} catch (error) {
  console.error(error);
  process.exitCode = 1;
}
// A finished run leaves no timers of its own; exit now rather than wait on anything a library left behind.
process.exit();
