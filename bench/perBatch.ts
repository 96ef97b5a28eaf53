/**
 * Orchestration cost per batch: three scenarios, a skill that returns at once, 2,000 one-item batches each,
 * barriers at 30% and 70%. Compared with a bare Promise.all loop doing the same item generation and skill
 * calls, so the difference is what the actors, barriers, progress tracking and journal add.
 * Run: npx tsx bench/perBatch.ts   (prints medians of 9 runs after 2 warm-ups)
 */
import { createOrchestration } from '../src/api/createOrchestration.ts';
import { generateItems } from '../src/actors/inputData.ts';
import { randomFor } from '../src/actors/seededRandom.ts';
import { SkillResultSchema, type SkillContext } from '../src/actors/skill.ts';
import { benchConfig, benchScenarioNames, median, noopSkill } from './benchConfig.ts';

const BATCHES = 2000;
const names = benchScenarioNames;
const noop = noopSkill;
const config = benchConfig(BATCHES);

async function orchestrated(inspect: boolean): Promise<number> {
  const run = createOrchestration(config, { skill: noop, ...(inspect ? { inspect: () => undefined } : {}) });
  const t0 = performance.now();
  run.start();
  await run.result;
  return performance.now() - t0;
}

async function bareLoop(): Promise<number> {
  const signal = new AbortController().signal;
  const t0 = performance.now();
  await Promise.all(
    names.map(async (name) => {
      for (let i = 0; i < BATCHES; i++) {
        const ctx: SkillContext = { scenario: name, params: {}, signal, batchIndex: i, attempt: 1, idempotencyKey: `x/${name}/${i}`, seed: 42, random: randomFor(42, name, 'batch', i, 1) };
        SkillResultSchema.parse(await noop.run(generateItems(42, name, { distribution: 'uniform' }, i, 1), ctx));
      }
    }),
  );
  return performance.now() - t0;
}

async function measure(fn: () => Promise<number>, runs = 9, warmups = 2): Promise<number> {
  for (let i = 0; i < warmups; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(await fn());
  return median(times);
}

const total = BATCHES * names.length;
const bare = await measure(bareLoop);
const orch = await measure(() => orchestrated(false));
const orchInspect = await measure(() => orchestrated(true));
const us = (ms: number) => ((ms * 1000) / total).toFixed(2);
console.log(`batches per run: ${total} (3 scenarios x ${BATCHES}), median of 9 runs, Node ${process.version}`);
console.log(`bare Promise.all loop          : ${us(bare)} us/batch`);
console.log(`orchestrated (memory journal)  : ${us(orch)} us/batch  (${(orch / bare).toFixed(1)}x bare, overhead ${us(orch - bare)} us/batch)`);
console.log(`orchestrated + user inspector  : ${us(orchInspect)} us/batch`);
