/**
 * The things a benchmark races, each loaded on demand (so a fresh child process loads only its own) and
 * returned as a function that runs the whole shape once: from nothing to the finished run.
 */
import type { Skill } from '../src/actors/skill.ts';
import { bareLoop, benchConfig, noopSkill, sleepSkill, totalBatches, type BenchShape } from './benchConfig.ts';

export const kinds = ['bare', 'project', 'project-durable', 'langgraph', 'langgraph-nosaver'] as const;
export type Kind = (typeof kinds)[number];

export const kindLabels: Record<Kind, string> = {
  bare: 'bare async loop',
  project: 'project: createOrchestration (memory journal)',
  'project-durable': 'project: createDurableOrchestration (memory store)',
  langgraph: 'LangGraph.js seed port, MemorySaver',
  'langgraph-nosaver': 'LangGraph.js seed port, no checkpointer',
};

export function isKind(value: string): value is Kind {
  return (kinds as readonly string[]).includes(value);
}

/** `noop` or `sleep:<ms>`. */
export function skillFor(spec: string): Skill {
  if (spec === 'noop') return noopSkill;
  const ms = /^sleep:(\d+(?:\.\d+)?)$/.exec(spec)?.[1];
  if (ms !== undefined) return sleepSkill(Number(ms));
  throw new Error(`unknown bench skill ${spec} (noop or sleep:<ms>)`);
}

/** Loads what `kind` needs and returns one complete run of `shape`; it throws if the run does not finish cleanly. */
export async function prepare(kind: Kind, shape: BenchShape, skill: Skill): Promise<() => Promise<void>> {
  const config = benchConfig(shape);
  switch (kind) {
    case 'bare':
      return async () => {
        const done = await bareLoop(shape, skill);
        if (done !== totalBatches(shape)) throw new Error(`bare loop ran ${done} batches`);
      };
    case 'project': {
      const { createOrchestration } = await import('../src/api/createOrchestration.ts');
      return async () => {
        const run = createOrchestration(config, { skill });
        run.start();
        const report = await run.result;
        if (Object.values(report.scenarios).some((s) => s.status !== 'complete')) throw new Error('a scenario did not complete');
      };
    }
    case 'project-durable': {
      const { createDurableOrchestration } = await import('../src/api/durableOrchestration.ts');
      const { MemorySnapshotStore } = await import('../src/persistence/MemorySnapshotStore.ts');
      return async () => {
        const run = await createDurableOrchestration(config, { store: new MemorySnapshotStore(), skill });
        run.start();
        const outcome = await run.outcome;
        if (outcome.kind !== 'finished') throw new Error(`durable run ended ${outcome.kind}`);
      };
    }
    case 'langgraph':
    case 'langgraph-nosaver': {
      const { runSeedGraph } = await import('./langgraphSeed.ts');
      return async () => {
        const final = await runSeedGraph({ shape, skill, checkpointer: kind === 'langgraph' });
        if (!final) throw new Error('the seed graph produced no final results');
      };
    }
  }
}
