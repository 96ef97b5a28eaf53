import { setTimeout as sleep } from 'node:timers/promises';
import { defineSkill } from './skill.ts';

function numberParam(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

/**
 * The seed's stub skill, made reproducible: `latencyMs` per batch (default 100), quality drawn in
 * 0.85..1.0 and failures at `failureRate`, all from the batch's seeded random stream.
 */
export const simulatedSkill = defineSkill({
  name: 'simulated',
  version: '1.0.0',
  async run(items, ctx) {
    const latencyMs = numberParam(ctx.params.latencyMs, 100);
    const failureRate = numberParam(ctx.params.failureRate, 0);
    const failed = ctx.random() < failureRate;
    const qualityScore = 0.85 + ctx.random() * 0.15;
    if (latencyMs > 0) await sleep(latencyMs, undefined, { signal: ctx.signal });
    if (failed) throw new Error(`simulated failure in batch ${ctx.batchIndex} (attempt ${ctx.attempt})`);
    return { qualityScore, processed: items.length };
  },
});
