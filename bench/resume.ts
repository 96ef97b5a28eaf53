/**
 * 4. Resume: a durable run of N = 1,000 scenarios (100 items in 10-item batches, barriers 30/70 %, no-op skill)
 * on the memory store is interrupted (interrupt(): pause, persist, release the lease) once half its batches
 * are journaled; then resumeOrchestration is timed to completion, against a fresh durable run of only what
 * was left (each scenario's remaining items) and the bare loop over those same remaining batches.
 * Under --quick it runs N = 30 so the code path keeps working; a full run is one round (minutes at N = 1,000).
 * Run: npx tsx bench/resume.ts [--quick]
 */
import { createDurableOrchestration, resumeOrchestration } from '../src/api/durableOrchestration.ts';
import type { OrchestrationConfigInput } from '../src/config/schema.ts';
import { MemorySnapshotStore } from '../src/persistence/MemorySnapshotStore.ts';
import type { BatchRecord } from '../src/persistence/SnapshotStore.ts';
import { benchConfig, noopSkill, runBatch, type BenchShape } from './benchConfig.ts';
import { flags, fmt, gc, table, timed, writeResult } from './harness.ts';

const bench = flags();
const shape: BenchShape = { scenarios: bench.quick ? 30 : 1000, batches: 10, batchSize: 10 };
const total = shape.scenarios * shape.batches;
const skill = noopSkill;
console.log(`resume: ${shape.scenarios} scenarios x ${shape.batches} batches of ${shape.batchSize} items, memory store, Node ${process.version}`);

/** The memory store, calling `atHalf` once half the batches are journaled. */
class HalfwayStore extends MemorySnapshotStore {
  recorded = 0;
  readonly byScenario = new Map<string, number>();
  atHalf: (() => void) | undefined;
  override recordBatch(record: BatchRecord): Promise<void> {
    this.recorded += 1;
    this.byScenario.set(record.scenario, (this.byScenario.get(record.scenario) ?? 0) + 1);
    if (this.recorded === Math.ceil(total / 2)) this.atHalf?.();
    return super.recordBatch(record);
  }
}

const store = new HalfwayStore();
const config = benchConfig(shape);
const id = `bench-resume-${Date.now()}`;

// First half, then stop.
const first = await timed(async () => {
  const run = await createDurableOrchestration(config, { store, skill, id });
  store.atHalf = () => void run.interrupt();
  run.start();
  const outcome = await run.outcome;
  if (outcome.kind !== 'interrupted') throw new Error(`the first half ended ${outcome.kind}, not interrupted`);
  return config.scenarios.map((s) => ({ name: s.name, done: store.byScenario.get(s.name) ?? 0 }));
});
const doneBefore = first.value.reduce((n, p) => n + p.done, 0);
const left = first.value.filter((p) => p.done < shape.batches);
console.log(`  stopped after ${doneBefore} of ${total} batches (${fmt((100 * doneBefore) / total, 1)}%) in ${fmt(first.wallMs / 1000, 2)} s`);

// Resume to the end.
gc();
store.atHalf = undefined;
const resumed = await timed(async () => {
  const run = await resumeOrchestration(id, { store, skill });
  const outcome = await run.outcome;
  if (outcome.kind !== 'finished') throw new Error(`the resumed run ended ${outcome.kind}`);
  return Object.values(outcome.report.scenarios).reduce((n, s) => n + s.batchCount, 0);
});
if (resumed.value !== total) throw new Error(`the resumed run reports ${resumed.value} batches, expected ${total}`);

// A fresh run of only what was left: each unfinished scenario with its remaining items.
gc();
const restConfig: OrchestrationConfigInput = {
  ...config,
  scenarios: left.map((p) => ({ ...(config.scenarios.find((s) => s.name === p.name) ?? config.scenarios[0]!), inputSize: (shape.batches - p.done) * shape.batchSize })),
};
const rest = total - doneBefore;
const freshRest = await timed(async () => {
  const run = await createDurableOrchestration(restConfig, { store: new MemorySnapshotStore(), skill });
  run.start();
  const outcome = await run.outcome;
  if (outcome.kind !== 'finished') throw new Error(`the fresh run of the rest ended ${outcome.kind}`);
});

// The bare loop over the same remaining batches.
gc();
const bareRest = await timed(async () => {
  const signal = new AbortController().signal;
  await Promise.all(left.map(async (p) => {
    for (let i = p.done; i < shape.batches; i++) await runBatch(p.name, i, shape.batchSize, skill, signal);
  }));
});

const rows = [
  ['resumeOrchestration to completion (load, restore, replay the journal, run the rest)', fmt(resumed.wallMs / 1000, 3), fmt(resumed.cpuMs / 1000, 3), `${fmt(resumed.wallMs / freshRest.wallMs, 2)}x`],
  [`fresh durable run of the rest (${left.length} scenarios, ${rest} batches)`, fmt(freshRest.wallMs / 1000, 3), fmt(freshRest.cpuMs / 1000, 3), '1x'],
  ['bare loop over the rest', fmt(bareRest.wallMs / 1000, 3), fmt(bareRest.cpuMs / 1000, 3), `${fmt(bareRest.wallMs / freshRest.wallMs, 3)}x`],
  ['(first half, until interrupted)', fmt(first.wallMs / 1000, 3), fmt(first.cpuMs / 1000, 3), '-'],
];
console.log(`\none round (a full run takes minutes at N = 1,000): wall and CPU of each step\n`);
console.log(table(['step', 'wall s', 'CPU s', 'wall vs fresh run of the rest'], rows));
const file = writeResult('resume', bench, {
  parameters: { shape, store: 'memory', skill: 'noop', stopAt: 'half the batches journaled, then interrupt()' },
  batches: { total, doneBeforeStop: doneBefore, rest, scenariosLeft: left.length },
  firstHalf: { wallMs: first.wallMs, cpuMs: first.cpuMs },
  resume: { wallMs: resumed.wallMs, cpuMs: resumed.cpuMs },
  freshRest: { wallMs: freshRest.wallMs, cpuMs: freshRest.cpuMs },
  bareRest: { wallMs: bareRest.wallMs, cpuMs: bareRest.cpuMs },
  ratios: { resumeVsFreshRestWall: resumed.wallMs / freshRest.wallMs, resumeVsFreshRestCpu: resumed.cpuMs / freshRest.cpuMs, freshRestVsBareWall: freshRest.wallMs / bareRest.wallMs },
});
console.log(`\nwrote ${file}`);
