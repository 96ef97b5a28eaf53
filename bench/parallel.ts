/**
 * 6. Parallel batches: one scenario of 10-item batches with a skill that waits 50 ms per batch (I/O-bound
 * work such as a model call), run with parallelWorkers = 1, 2, 4 and 8 (createOrchestration, memory journal,
 * barriers at 30/70 %), alternating, several rounds. Figures per run: wall time, the report's busy time (time
 * with at least one batch inside the skill; overlapping batches count once) and busy-time throughput (items
 * per busy second). Speed-ups are medians of per-round ratios to one worker. A last row runs three such
 * scenarios with 4 workers each under maxConcurrency 4, to show the global bound at work.
 * Run: npx tsx bench/parallel.ts [--quick]
 */
import { createOrchestration } from '../src/api/createOrchestration.ts';
import type { OrchestrationConfigInput } from '../src/config/schema.ts';
import { benchConfig, sleepSkill } from './benchConfig.ts';
import { alternate, flags, fmt, fmtStat, stat, table, timed, writeResult, type Contender, type Sample } from './harness.ts';

const bench = flags();
const skillMs = 50;
const batchSize = 10;
const batches = bench.quick ? 12 : 40;
const rounds = bench.quick ? 1 : 5;
const warmups = 1;
const workerCounts = [1, 2, 4, 8];
const skill = sleepSkill(skillMs);

/** `scenarios` scenarios of `batches` batches, each with `workers` batches in flight, optionally a global bound. */
function config(scenarios: number, workers: number, maxConcurrency?: number): OrchestrationConfigInput {
  const base = benchConfig({ scenarios, batches, batchSize });
  return {
    ...base,
    ...(maxConcurrency !== undefined ? { maxConcurrency } : {}),
    scenarios: base.scenarios.map((s) => ({ ...s, skillParams: { ...s.skillParams, parallelWorkers: workers } })),
  };
}

interface ParallelSample extends Sample {
  busyMs: number;
  items: number;
}

async function measure(input: OrchestrationConfigInput): Promise<ParallelSample> {
  const sample = await timed(async () => {
    const run = createOrchestration(input, { skill });
    run.start();
    return run.result;
  });
  const scenarios = Object.values(sample.value.scenarios);
  if (scenarios.some((s) => s.status !== 'complete')) throw new Error(`a scenario did not complete: ${scenarios.map((s) => `${s.status} ${s.failureReason ?? ''}`).join(', ')}`);
  // Busy time of the slowest scenario, items of all: scenarios run side by side.
  return { wallMs: sample.wallMs, cpuMs: sample.cpuMs, busyMs: Math.max(...scenarios.map((s) => s.busyMs)), items: scenarios.reduce((n, s) => n + s.itemsProcessed, 0) };
}

const contenders: Contender[] = [
  ...workerCounts.map((k) => ({ name: `workers=${k}`, run: () => measure(config(1, k)) })),
  { name: '3 scenarios x 4 workers, maxConcurrency 4', run: () => measure(config(3, 4, 4)) },
];

console.log(`parallel: ${batches} batches of ${batchSize} items per scenario, a ${skillMs} ms skill, parallelWorkers ${workerCounts.join('/')}, Node ${process.version}`);
const alt = await alternate(contenders, { rounds, warmups, baseline: 'workers=1' });
const baseline = (alt.samples['workers=1'] ?? []) as ParallelSample[];
const results: Record<string, unknown>[] = [];
const rows: (string | number)[][] = [];
for (const c of contenders) {
  const samples = (alt.samples[c.name] ?? []) as ParallelSample[];
  const wallMs = stat(samples.map((s) => s.wallMs));
  const busyMs = stat(samples.map((s) => s.busyMs));
  const throughput = stat(samples.map((s) => (s.items / s.busyMs) * 1000));
  // Per round, against one worker in the same round.
  const busySpeedup = stat(samples.map((s, i) => (s.items / s.busyMs / ((baseline[i]?.items ?? NaN) / (baseline[i]?.busyMs ?? NaN)))));
  const wallSpeedup = stat(samples.map((s, i) => (s.items / s.wallMs / ((baseline[i]?.items ?? NaN) / (baseline[i]?.wallMs ?? NaN)))));
  results.push({ contender: c.name, rounds: samples.length, wallMs, busyMs, itemsPerBusySecond: throughput, busyThroughputSpeedup: busySpeedup, wallThroughputSpeedup: wallSpeedup, samples });
  rows.push([c.name, fmtStat(wallMs, 0), fmtStat(busyMs, 0), fmt(throughput.median, 0), `${fmt(busySpeedup.median, 2)}x`, `${fmt(wallSpeedup.median, 2)}x`]);
}

console.log(`\nmedian (range) of ${rounds} alternating rounds after ${warmups} warm-up\n`);
console.log(table(['contender', 'wall ms', 'busy ms', 'items per busy s', 'busy throughput vs 1 worker', 'wall throughput vs 1 worker'], rows));
const file = writeResult('parallel', bench, { parameters: { skillMs, batches, batchSize, rounds, warmups, workerCounts, barriers: [30, 70] }, results });
console.log(`\nwrote ${file}`);
