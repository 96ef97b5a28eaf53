import { describe, expect, it } from 'vitest';
import { createOrchestration } from '../../src/api/createOrchestration.ts';
import { defineSkill } from '../../src/actors/skill.ts';

const instantSkill = defineSkill({ name: 'instant', version: '1', run: (items, ctx) => ({ qualityScore: 0.5 + ctx.random() / 2, processed: items.length }) });

describe('snapshot size', () => {
  it('stays flat as batches accumulate: after 1,000 batches within 10% of after 10', async () => {
    const run = createOrchestration(
      {
        barriers: { at: [] },
        scenarios: [
          {
            name: 'long',
            difficulty: 'easy',
            complexityMultiplier: 1,
            inputSize: 1200,
            timeBudgetSeconds: 600,
            memoryLimitMb: 100_000,
            errorTolerance: 0,
            skillParams: { batchSize: 1 },
            expectedQuality: 'basic',
            qualityMetrics: ['accuracy'],
          },
        ],
      },
      { skill: instantSkill },
    );
    const sizes = new Map<number, number>();
    run.subscribe((e) => {
      if (e.type === 'batch.settled' && (e.progress.batchCount === 10 || e.progress.batchCount === 1000)) {
        sizes.set(e.progress.batchCount, JSON.stringify(run.actor.getPersistedSnapshot()).length);
      }
    });
    run.start();
    await run.result;
    const at10 = sizes.get(10) ?? NaN;
    const at1000 = sizes.get(1000) ?? NaN;
    expect(at10).toBeGreaterThan(0);
    expect(Math.abs(at1000 - at10) / at10).toBeLessThan(0.1);
  });
});
