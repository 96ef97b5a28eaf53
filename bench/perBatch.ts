/**
 * 1. Per-batch cost: three scenarios of 10-item batches, a no-op skill, barriers at 30/70 %, run by
 * the bare loop, the project (createOrchestration with its memory journal, and a durable run on the
 * memory store) and the LangGraph.js port of the seed (with MemorySaver, and without a checkpointer).
 *   warm:  all in this process, alternating, after warm-up rounds
 *   fresh: one child process per measurement, timing the first run in that process (module loading apart)
 * Run: npx tsx bench/perBatch.ts [--quick]
 */
import { totalBatches, type BenchShape } from './benchConfig.ts';
import { kindLabels, kinds, prepare, skillFor, type Kind } from './contenders.ts';
import { alternate, flags, fmt, fmtStat, runChild, summarize, table, timed, writeResult, type Sample } from './harness.ts';

const bench = flags();
const shape: BenchShape = { scenarios: 3, batches: bench.quick ? 200 : 2000, batchSize: 10 };
const batches = totalBatches(shape);
const warmRounds = bench.quick ? 2 : 9;
const warmups = bench.quick ? 1 : 2;
const freshRounds = bench.quick ? 1 : 5;
// Under --quick the fresh runs only check the child-process path (loading LangGraph.js alone costs seconds).
const freshKinds: Kind[] = bench.quick ? ['bare', 'project'] : ['bare', 'project', 'project-durable', 'langgraph'];
const skill = skillFor('noop');

console.log(`per-batch cost: ${shape.scenarios} scenarios x ${shape.batches} batches of ${shape.batchSize} items (${batches} batches), no-op skill, Node ${process.version}`);

const warmRuns = await Promise.all(kinds.map(async (kind) => ({ name: kind, fn: await prepare(kind, shape, skill) })));
const warm = await alternate(
  warmRuns.map(({ name, fn }) => ({ name, run: async (): Promise<Sample> => timed(fn) })),
  { rounds: warmRounds, warmups, baseline: 'bare' },
);
const warmSummary = summarize(warm, batches);

const loadMs: Record<string, number[]> = {};
const fresh = await alternate(
  freshKinds.map((kind) => ({
    name: kind,
    run: async (): Promise<Sample> => {
      const outcome = await runChild<Sample & { loadMs: number }>('child.ts', ['fresh', kind, 'noop', JSON.stringify(shape)], { timeoutMs: 120_000 });
      if (!outcome.result) throw new Error(`fresh ${kind} failed (exit ${outcome.exitCode}${outcome.timedOut ? ', timed out' : ''}): ${outcome.stderr}`);
      (loadMs[kind] ??= []).push(outcome.result.loadMs);
      return { wallMs: outcome.result.wallMs, cpuMs: outcome.result.cpuMs };
    },
  })),
  { rounds: freshRounds, warmups: 0, baseline: 'bare' },
);
const freshSummary = summarize(fresh, batches);

const rows = (summary: ReturnType<typeof summarize>, names: readonly Kind[]) =>
  names.map((kind) => {
    const s = summary[kind];
    if (!s) return [kindLabels[kind], '-', '-', '-', '-'];
    return [kindLabels[kind], fmtStat(s.wallPerUnit), fmtStat(s.cpuPerUnit), `${fmt(s.ratioWall.median, 1)}x`, `${fmt(s.ratioCpu.median, 1)}x`];
  });
const headers = ['contender', 'wall us/batch, median (range)', 'CPU us/batch', 'wall vs bare (median of per-round ratios)', 'CPU vs bare'];
console.log(`\nwarm, in one process: median of ${warmRounds} alternating rounds after ${warmups} warm-up round(s)\n`);
console.log(table(headers, rows(warmSummary, kinds)));
console.log(`\nfresh process per measurement: median of ${freshRounds} rounds (module loading not timed)\n`);
console.log(table(headers, rows(freshSummary, freshKinds)));

const file = writeResult('perBatch', bench, {
  parameters: { shape, batches, skill: 'noop', warmRounds, warmups, freshRounds },
  labels: kindLabels,
  warm: warmSummary,
  fresh: freshSummary,
  freshLoadMs: loadMs,
  rawWall: { warm: warm.samples, fresh: fresh.samples },
});
console.log(`\nwrote ${file}`);
