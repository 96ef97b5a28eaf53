/**
 * 8. Worker isolation: the same run with every scenario's skill in the orchestrator's thread (`isolation:
 * "none"`) and in a worker thread of its own (`"worker"`), alternating, several rounds. Three scenarios of
 * 100-item batches, barriers at 30/70 %, a skill that returns at once (what the round trip to a worker costs
 * per batch) and one that waits 1 ms. Figures per run: time to the first counted batch (with isolation: the
 * workers' start), wall time per batch after it, busy time per batch (the report's:
 * time inside the skill, which for a worker includes copying items and results), and each scenario's memory
 * figure (its worker's heap and memory outside it; not measured without isolation). Apart from the runs, how
 * long a fresh worker takes to load the skill (a TypeScript module through tsx) before it can take a batch.
 * Run: npx tsx bench/isolation.ts [--quick]
 */
import { fileURLToPath } from 'node:url';
import { createOrchestration } from '../src/api/createOrchestration.ts';
import { loadSkillModule } from '../src/actors/loadSkill.ts';
import { isolateSkill } from '../src/actors/workerSkill.ts';
import type { OrchestrationConfigInput } from '../src/config/schema.ts';
import { benchConfig } from './benchConfig.ts';
import { alternate, flags, fmtStat, stat, table, timed, writeResult, type Contender, type Sample } from './harness.ts';

const bench = flags();
const batchSize = 100;
const batches = bench.quick ? 20 : 100;
const rounds = bench.quick ? 1 : 5;
const warmups = 1;
const skillMsChoices = [0, 1];
const module = fileURLToPath(new URL('./isolationSkill.ts', import.meta.url));
const skill = await loadSkillModule(module);

function config(isolation: 'none' | 'worker', ms: number): OrchestrationConfigInput {
  const base = benchConfig({ scenarios: 3, batches, batchSize });
  return {
    ...base,
    isolation,
    skill: { module, params: { ms } },
    scenarios: base.scenarios.map((s) => ({ ...s, memoryLimitMb: 256 })),
  };
}

interface IsolationSample extends Sample {
  /** From start() to the first batch counted: the workers' start, with isolation. */
  firstBatchMs: number;
  /** From the first batch counted to the end: the run once its workers are up. */
  restMs: number;
  busyMs: number;
  memoryMb: number[];
  peakRssMb: number;
}

async function measure(input: OrchestrationConfigInput): Promise<IsolationSample> {
  let first = NaN;
  let t0 = NaN;
  const sample = await timed(async () => {
    t0 = performance.now();
    const run = createOrchestration(input, { skill });
    run.subscribe((event) => {
      if (event.type === 'batch.settled' && Number.isNaN(first)) first = performance.now();
    });
    run.start();
    return run.result;
  });
  const end = t0 + sample.wallMs;
  const scenarios = Object.values(sample.value.scenarios);
  if (scenarios.some((s) => s.status !== 'complete')) throw new Error(`a scenario did not complete: ${scenarios.map((s) => `${s.status} ${s.failureReason ?? ''}`).join(', ')}`);
  return {
    wallMs: sample.wallMs,
    cpuMs: sample.cpuMs,
    firstBatchMs: first - t0,
    restMs: end - first,
    busyMs: scenarios.reduce((sum, s) => sum + s.busyMs, 0),
    memoryMb: scenarios.map((s) => s.memoryUsedMb),
    peakRssMb: sample.value.process?.peakRssMb ?? NaN,
  };
}

/** From isolateSkill to the worker having loaded the skill, then one batch: what a fresh worker costs. */
async function startUp(): Promise<{ readyMs: number; firstBatchMs: number }> {
  const t0 = performance.now();
  const isolated = isolateSkill(skill, { limitsMb: new Map([['s', 256]]) });
  await isolated.ready('s');
  const t1 = performance.now();
  await isolated.run([{ id: 'x', value: 0.5 }], { scenario: 's', params: {}, signal: new AbortController().signal, batchIndex: 0, attempt: 1, idempotencyKey: 'bench/s/batch/0', seed: 1, random: () => 0 });
  const t2 = performance.now();
  await isolated.close();
  return { readyMs: t1 - t0, firstBatchMs: t2 - t1 };
}

const contenders: Contender[] = skillMsChoices.flatMap((ms) =>
  (['none', 'worker'] as const).map((isolation) => ({ name: `${ms} ms skill, isolation ${isolation}`, run: () => measure(config(isolation, ms)) })),
);

console.log(`isolation: 3 scenarios x ${batches} batches of ${batchSize} items, skills of ${skillMsChoices.join('/')} ms, Node ${process.version}`);
const alt = await alternate(contenders, { rounds, warmups, baseline: contenders[0]?.name ?? '' });
const perBatch = 3 * batches;
const results: Record<string, unknown>[] = [];
const rows: (string | number)[][] = [];
for (const c of contenders) {
  const samples = (alt.samples[c.name] ?? []) as IsolationSample[];
  const firstBatch = stat(samples.map((s) => s.firstBatchMs));
  const wallPerBatch = stat(samples.map((s) => (s.restMs / (perBatch - 1)) * 1000));
  const busyPerBatch = stat(samples.map((s) => (s.busyMs / perBatch) * 1000));
  const memory = stat(samples.flatMap((s) => s.memoryMb));
  const rss = stat(samples.map((s) => s.peakRssMb));
  results.push({ contender: c.name, rounds: samples.length, firstBatchMs: firstBatch, wallPerBatchAfterFirstUs: wallPerBatch, busyPerBatchUs: busyPerBatch, scenarioMemoryMb: memory, peakRssMb: rss, samples });
  rows.push([c.name, fmtStat(firstBatch, 0), fmtStat(wallPerBatch, 0), fmtStat(busyPerBatch, 0), memory.max === 0 ? 'not measured' : fmtStat(memory, 1), fmtStat(rss, 0)]);
}
const starts = [];
for (let i = 0; i < (bench.quick ? 2 : 5); i++) starts.push(await startUp());
const ready = stat(starts.map((s) => s.readyMs));
const firstBatch = stat(starts.map((s) => s.firstBatchMs));

console.log(`\nmedian (range) of ${rounds} alternating rounds after ${warmups} warm-up; per batch in µs\n`);
console.log(table(['contender', 'ms to the first batch', 'wall µs per batch after it', 'busy µs per batch', 'scenario memory MB', 'peak RSS MB'], rows));
console.log(`\na fresh worker: ${fmtStat(ready, 0)} ms to load the skill (TypeScript, through tsx), then ${fmtStat(firstBatch, 1)} ms for its first batch`);
const file = writeResult('isolation', bench, { parameters: { batches, batchSize, scenarios: 3, rounds, warmups, skillMsChoices, memoryLimitMb: 256 }, results, workerStart: { readyMs: ready, firstBatchMs: firstBatch, samples: starts } });
console.log(`\nwrote ${file}`);
