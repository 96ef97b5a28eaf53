import { setTimeout as sleep } from 'node:timers/promises';
import { defineSkill } from './skill.ts';

function numberParam(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

/** A real skill's batches never take exactly the same time; ±20 % unless `latencyJitter` says otherwise. */
const DEFAULT_LATENCY_JITTER = 0.2;

/**
 * The seed's stub skill, made reproducible: `latencyMs` per batch (default 100) with a uniform jitter of
 * ±`latencyJitter` of it (0..1, default 0.2; the mean stays exactly `latencyMs`), quality drawn in 0.85..1.0
 * and failures at `failureRate`, all from the batch's seeded random stream. The jitter is drawn last, so the
 * quality and failures a seed gives are what they were before it existed.
 */
export const simulatedSkill = defineSkill({
  name: 'simulated',
  // Still 1.0.0: a seed gives the same results as before (the jitter changes only how long a batch takes).
  version: '1.0.0',
  async run(items, ctx) {
    const latencyMs = numberParam(ctx.params.latencyMs, 100);
    const failureRate = numberParam(ctx.params.failureRate, 0);
    const jitter = Math.min(1, Math.max(0, numberParam(ctx.params.latencyJitter, DEFAULT_LATENCY_JITTER)));
    const failed = ctx.random() < failureRate;
    const qualityScore = 0.85 + ctx.random() * 0.15;
    // Uniform in [1 − jitter, 1 + jitter): repeats of a run vary as a real skill's would, around latencyMs.
    const delayMs = latencyMs * (1 + jitter * (2 * ctx.random() - 1));
    if (delayMs > 0) await sleep(delayMs, undefined, { signal: ctx.signal });
    if (failed) throw new Error(`simulated failure in batch ${ctx.batchIndex} (attempt ${ctx.attempt})`);
    return { qualityScore, processed: items.length };
  },
});
