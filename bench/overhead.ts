/**
 * 2. Overhead with real work: a skill that waits 1 ms or 10 ms per batch (three scenarios of 10-item batches,
 * barriers at 30/70 %), run by the bare loop and by durable runs on the memory store, PGlite in a temp folder
 * and the Postgres server (a temp database; only when DATABASE_URL is set), alternating, several rounds.
 * Scenarios run side by side, so wall time is read per batch step (run wall / batches per scenario) and
 * overhead = (project wall - bare wall) / batches per scenario, within each round, then the median; CPU time
 * adds up over all batches, so CPU overhead = (project CPU - bare CPU) / all batches.
 * Run: npx tsx bench/overhead.ts [--quick]
 */
import { createDurableOrchestration } from '../src/api/durableOrchestration.ts';
import { bareLoop, benchConfig, totalBatches, type BenchShape } from './benchConfig.ts';
import { skillFor } from './contenders.ts';
import { alternate, flags, fmt, fmtStat, stat, summarize, table, timed, writeResult, type Contender } from './harness.ts';
import { availableStores, openBenchStore, type BenchStore } from './stores.ts';

const bench = flags();
const skills = [
  { spec: 'sleep:1', ms: 1, batches: bench.quick ? 10 : 200 },
  { spec: 'sleep:10', ms: 10, batches: bench.quick ? 3 : 50 },
];
const rounds = bench.quick ? 1 : 7;
const warmups = 1;

console.log(`overhead: 3 scenarios, 10-item batches, stores ${availableStores().join(', ')}${process.env.DATABASE_URL ? '' : ' (set DATABASE_URL for the server)'}, Node ${process.version}`);

const stores: BenchStore[] = [];
const results: Record<string, unknown>[] = [];
const rows: (string | number)[][] = [];
try {
  for (const kind of availableStores()) stores.push(await openBenchStore(kind));
  for (const { spec, ms, batches } of skills) {
    const shape: BenchShape = { scenarios: 3, batches, batchSize: 10 };
    const total = totalBatches(shape);
    const skill = skillFor(spec);
    const config = benchConfig(shape);
    const writes: Record<string, number> = {};
    const contenders: Contender[] = [
      { name: 'bare', run: () => timed(() => bareLoop(shape, skill)) },
      ...stores.map((s) => ({
        name: s.kind,
        run: () =>
          timed(async () => {
            const run = await createDurableOrchestration(config, { store: s.store, skill });
            run.start();
            const outcome = await run.outcome;
            if (outcome.kind !== 'finished') throw new Error(`durable run on ${s.kind} ended ${outcome.kind}`);
            writes[s.kind] = run.persistenceStats().writes;
          }),
      })),
    ];
    const alt = await alternate(contenders, { rounds, warmups, baseline: 'bare' });
    const summary = summarize(alt, total);
    const bareSamples = alt.samples.bare ?? [];
    for (const c of contenders) {
      const s = summary[c.name];
      if (!s) continue;
      const mine = alt.samples[c.name] ?? [];
      // Scenarios run side by side, so wall time is read per batch step (run wall / batches per scenario),
      // comparable with the skill's own ms; CPU adds up over every batch, so it is read per batch.
      const stepMs = stat(mine.map((x) => x.wallMs / batches));
      const overheadStepMs = stat(mine.map((x, i) => (x.wallMs - (bareSamples[i]?.wallMs ?? NaN)) / batches));
      const cpuOverheadUs = stat(mine.map((x, i) => ((x.cpuMs - (bareSamples[i]?.cpuMs ?? NaN)) * 1000) / total));
      const label = c.name === 'bare' ? 'bare async loop' : (stores.find((x) => x.kind === c.name)?.label ?? c.name);
      results.push({ skillMs: ms, batchesPerScenario: batches, batches: total, contender: c.name, label, ...s, wallMsPerStep: stepMs, overheadMsPerStep: overheadStepMs, cpuOverheadUsPerBatch: cpuOverheadUs, snapshotWritesLastRun: writes[c.name] ?? null });
      rows.push([
        `${ms} ms`, label, fmtStat(stepMs, 2), c.name === 'bare' ? '-' : fmt(overheadStepMs.median, 2), `${fmt(s.ratioWall.median, 2)}x`, fmt(s.cpuPerUnit.median, 0), c.name === 'bare' ? '-' : fmt(cpuOverheadUs.median, 0),
      ]);
    }
  }
} finally {
  for (const s of stores) await s.dispose();
}

console.log(`\nmedian of ${rounds} alternating rounds after ${warmups} warm-up (3 scenarios x ${skills.map((s) => `${s.batches} batches for ${s.ms} ms`).join(', ')})\n`);
console.log(table(['skill', 'contender', 'wall ms per batch step, median (range)', 'wall overhead ms per step', 'wall vs bare (median of per-round ratios)', 'CPU us per batch', 'CPU overhead us per batch'], rows));
const file = writeResult('overhead', bench, { parameters: { skills, rounds, warmups, scenarios: 3, batchSize: 10, stores: availableStores() }, results });
console.log(`\nwrote ${file}`);
