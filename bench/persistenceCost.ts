/**
 * What persistence costs end to end: the same durable run (three scenarios x 300 one-item batches, a skill
 * that returns at once) on each store, reporting batches per second, snapshot writes and bytes per snapshot.
 * Run: npx tsx bench/persistenceCost.ts   (the server row needs DATABASE_URL; median of 3 runs per store)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDurableOrchestration } from '../src/api/durableOrchestration.ts';
import { createOrchestration } from '../src/api/createOrchestration.ts';
import { benchConfig, median, noopSkill } from './benchConfig.ts';
import { openStore } from '../src/persistence/openStore.ts';

const BATCHES = 300;
const noop = noopSkill;
const config = benchConfig(BATCHES);
const total = BATCHES * 3;

async function inMemoryNoStore(): Promise<number> {
  const run = createOrchestration(config, { skill: noop });
  const t0 = performance.now();
  run.start();
  await run.result;
  return performance.now() - t0;
}

async function durable(spec: string): Promise<{ ms: number; writes: number; bytes: number }> {
  const store = await openStore(spec);
  try {
    const run = await createDurableOrchestration(config, { store, skill: noop, id: `bench-${Date.now()}-${Math.random().toString(16).slice(2, 8)}` });
    const t0 = performance.now();
    run.start();
    const outcome = await run.outcome;
    const ms = performance.now() - t0;
    if (outcome.kind !== 'finished') throw new Error(`bench run ended ${outcome.kind}`);
    const stats = run.persistenceStats();
    return { ms, writes: stats.writes, bytes: stats.lastBytes };
  } finally {
    await store.close();
  }
}

const dir = mkdtempSync(join(tmpdir(), 'scenarios-bench-'));
const rows: string[] = [];
const base = [];
for (let i = 0; i < 3; i++) base.push(await inMemoryNoStore());
rows.push(`| no store (createOrchestration) | ${Math.round(total / (median(base) / 1000))} | - | - |`);
const targets: [string, string][] = [
  ['memory store', 'memory'],
  ['PGlite (data folder)', join(dir, 'db')],
  ...(process.env.DATABASE_URL ? ([['Postgres server', process.env.DATABASE_URL]] as [string, string][]) : []),
];
for (const [label, spec] of targets) {
  const runs = [];
  for (let i = 0; i < 3; i++) runs.push(await durable(spec));
  const m = runs.sort((a, b) => a.ms - b.ms)[1] ?? runs[0];
  if (!m) continue;
  rows.push(`| ${label} | ${Math.round(total / (m.ms / 1000))} | ${m.writes} | ${m.bytes} |`);
}
rmSync(dir, { recursive: true, force: true });
console.log(`${total} batches (3 scenarios x ${BATCHES}), no-op skill, median of 3 runs, Node ${process.version}\n`);
console.log('| store | batches/s | snapshot writes | bytes per snapshot |');
console.log('| --- | --- | --- | --- |');
for (const r of rows) console.log(r);
