/**
 * Before and after a change, side by side: durable runs of two checkouts of this repository (each with its
 * own src/), alternating in one process with the bare loop, so the two sides share every burst of load.
 * Cases: no-op skill on the memory store (3 x 2,000 batches), 1 ms skill on the memory store and on PGlite
 * (3 x 200), 10 ms skill on PGlite (3 x 50), 1,000 scenarios x 10 batches on the memory store; 10-item
 * batches, barriers 30/70 %. Per case: CPU and wall per batch, each side over the bare loop, and after over
 * before as the median of per-round ratios; snapshot writes of the last round.
 * Run: git archive <commit> | tar -x -C /tmp/before && ln -s "$PWD/node_modules" /tmp/before/node_modules
 *      node --import tsx --expose-gc bench/compareTrees.ts /tmp/before . [--rounds 7] [--only noop-memory,...] [--out file.json]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Skill } from '../src/actors/skill.ts';
import type { OrchestrationConfigInput } from '../src/config/schema.ts';
import type { SnapshotStore } from '../src/persistence/SnapshotStore.ts';
import { bareLoop, benchConfig, noopSkill, sleepSkill, totalBatches, type BenchShape } from './benchConfig.ts';
import { alternate, fmt, fmtStat, gc, machine, median, summarize, table, timed } from './harness.ts';

interface DurableRun {
  start(): void;
  outcome: Promise<{ kind: string }>;
  persistenceStats(): { writes: number };
}
interface Tree {
  durable: (config: OrchestrationConfigInput, options: { store: SnapshotStore; skill: Skill }) => Promise<DurableRun>;
  memoryStore: () => SnapshotStore;
  openStore: (spec: string) => Promise<SnapshotStore>;
}

async function loadTree(dir: string): Promise<Tree> {
  const root = path.resolve(dir);
  const durable = (await import(path.join(root, 'src/api/durableOrchestration.ts'))) as { createDurableOrchestration: Tree['durable'] };
  const memory = (await import(path.join(root, 'src/persistence/MemorySnapshotStore.ts'))) as { MemorySnapshotStore: new () => SnapshotStore };
  const open = (await import(path.join(root, 'src/persistence/openStore.ts'))) as { openStore: Tree['openStore'] };
  return { durable: durable.createDurableOrchestration, memoryStore: () => new memory.MemorySnapshotStore(), openStore: open.openStore };
}

const argv = process.argv.slice(2);
const option = (name: string) => {
  const at = argv.indexOf(`--${name}`);
  return at >= 0 ? argv[at + 1] : undefined;
};
const [beforeDir, afterDir] = argv.filter((a, i) => !a.startsWith('--') && !argv[i - 1]?.startsWith('--'));
if (!beforeDir || !afterDir) throw new Error('usage: compareTrees.ts <before checkout> <after checkout> [--rounds N] [--only case,...] [--out file.json]');
const rounds = Number(option('rounds') ?? 7);
const only = option('only')?.split(',');
const trees = { before: await loadTree(beforeDir), after: await loadTree(afterDir) };

const cases: { name: string; skill: Skill; shape: BenchShape; store: 'memory' | 'pglite' }[] = [
  { name: 'noop-memory', skill: noopSkill, shape: { scenarios: 3, batches: 2000, batchSize: 10 }, store: 'memory' },
  { name: 'sleep1-memory', skill: sleepSkill(1), shape: { scenarios: 3, batches: 200, batchSize: 10 }, store: 'memory' },
  { name: 'sleep1-pglite', skill: sleepSkill(1), shape: { scenarios: 3, batches: 200, batchSize: 10 }, store: 'pglite' },
  { name: 'sleep10-pglite', skill: sleepSkill(10), shape: { scenarios: 3, batches: 50, batchSize: 10 }, store: 'pglite' },
  { name: 'n1000-memory', skill: noopSkill, shape: { scenarios: 1000, batches: 10, batchSize: 10 }, store: 'memory' },
];

console.log(`compare ${beforeDir} (before) with ${afterDir} (after): ${rounds} alternating rounds after 1 warm-up, Node ${process.version}`);
const results: Record<string, unknown> = {};
for (const c of cases.filter((k) => !only || only.includes(k.name))) {
  const config = benchConfig(c.shape);
  const folders: string[] = [];
  const stores: Partial<Record<'before' | 'after', SnapshotStore>> = {};
  const writes: Record<'before' | 'after', number[]> = { before: [], after: [] };
  try {
    for (const side of ['before', 'after'] as const) {
      if (c.store !== 'pglite') continue;
      const folder = mkdtempSync(path.join(os.tmpdir(), 'scenarios-compare-'));
      folders.push(folder);
      stores[side] = await trees[side].openStore(path.join(folder, 'db'));
    }
    const durableRun = (side: 'before' | 'after') => ({
      name: side,
      run: () =>
        timed(async () => {
          const run = await trees[side].durable(config, { store: stores[side] ?? trees[side].memoryStore(), skill: c.skill });
          run.start();
          const outcome = await run.outcome;
          if (outcome.kind !== 'finished') throw new Error(`${side} ended ${outcome.kind}`);
          writes[side].push(run.persistenceStats().writes);
        }),
    });
    const alt = await alternate([{ name: 'bare', run: () => timed(() => bareLoop(c.shape, c.skill)) }, durableRun('before'), durableRun('after')], { rounds, warmups: 1, baseline: 'bare' });
    const summary = summarize(alt, totalBatches(c.shape));
    const pairs = (alt.samples.after ?? []).map((a, i) => ({ after: a, before: alt.samples.before?.[i] }));
    const afterOverBefore = {
      cpu: median(pairs.map((p) => p.after.cpuMs / (p.before?.cpuMs ?? NaN))),
      wall: median(pairs.map((p) => p.after.wallMs / (p.before?.wallMs ?? NaN))),
    };
    console.log(`\n${c.name}: ${c.shape.scenarios} x ${c.shape.batches} batches; after / before (median of per-round ratios): CPU ${fmt(afterOverBefore.cpu)}, wall ${fmt(afterOverBefore.wall)}; snapshot writes in the last round: before ${writes.before.at(-1)}, after ${writes.after.at(-1)}\n`);
    console.log(
      table(
        ['contender', 'wall us/batch, median (range)', 'CPU us/batch', 'wall vs bare', 'CPU vs bare'],
        (['bare', 'before', 'after'] as const).map((k) => {
          const s = summary[k];
          return s ? [k, fmtStat(s.wallPerUnit), fmtStat(s.cpuPerUnit), `${fmt(s.ratioWall.median)}x`, `${fmt(s.ratioCpu.median)}x`] : [k, '-', '-', '-', '-'];
        }),
      ),
    );
    results[c.name] = { shape: c.shape, store: c.store, summary, afterOverBefore, snapshotWrites: writes, raw: alt.samples };
  } finally {
    for (const store of Object.values(stores)) await store.close();
    for (const folder of folders) rmSync(folder, { recursive: true, force: true });
  }
  gc();
}
const out = option('out');
if (out) writeFileSync(out, `${JSON.stringify({ benchmark: 'compareTrees', date: new Date().toISOString(), machine: machine(), before: beforeDir, after: afterDir, rounds, results }, null, 2)}\n`);
