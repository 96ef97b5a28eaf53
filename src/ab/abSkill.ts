import { checkSkillResult } from '../actors/checkSkillResult.ts';
import { hashKey, randomFor } from '../actors/seededRandom.ts';
import type { Skill, SkillContext, SkillResult } from '../actors/skill.ts';
import { toError } from '../errors.ts';
import { emptyRecord } from '../ownKeys.ts';
import { abMetric, isAbMetric, type AbSide } from './abMetrics.ts';
import { AB_SKILL_NAME } from './skillLabel.ts';

export { AB_SKILL_NAME, labelsOf } from './skillLabel.ts';

/** One side of an A/B run: a skill, and params of its own laid over the scenario's (what the two versions may differ in). */
export interface AbVersion<Item = unknown> {
  skill: Skill<Item>;
  params?: Readonly<Record<string, unknown>>;
}

/** The composite that runs both versions on every batch; `labels` name them in the report. */
export interface AbSkill<Item = unknown> extends Skill<Item> {
  readonly labels: { a: string; b: string };
}

/** `name@version`, and the version's own params when it has any (two versions of one module differ in them). */
export function versionLabel(version: AbVersion<unknown>): string {
  const { name, version: v } = version.skill;
  const params = version.params && Object.keys(version.params).length > 0 ? ` ${JSON.stringify(version.params)}` : '';
  return `${name}@${v}${params}`;
}

/**
 * Which version runs first in a batch: alternating by batch index, from a coin seeded by (seed, scenario),
 * so warm-up and drift favour neither and a re-run of the batch (retry, resume) keeps the same order.
 */
export function firstSide(seed: number, scenario: string, batchIndex: number): AbSide {
  return (batchIndex + hashKey(seed, scenario, 'ab-order')) % 2 === 0 ? 'a' : 'b';
}

interface VersionOutcome {
  result: SkillResult;
  ms: number;
}

/**
 * A skill that runs version a and version b on the same items of every batch, one after the other (which goes
 * first alternates: firstSide), each with a context of its own: its params over the scenario's, the batch's
 * abort signal, its own idempotency key (`…/ab/a`, `…/ab/b`, so a skill that deduplicates by key never hands
 * one version's answer to the other) and a random stream seeded exactly as a run of that version alone would
 * be (so two identical versions give identical results). Each call is timed with performance.now().
 *
 * The batch's result: each version's quality, time, items processed and own metrics under reserved `ab.*`
 * metric names (abMetrics.ts: the journal keeps them), the mean of the two qualities as the scenario's
 * qualityScore, the fewer items processed, the mean of the metrics both report and the larger memory. A
 * version that fails (throws, or returns an invalid result) fails the batch, so both are retried together and
 * every recorded batch holds a pair.
 */
export function abSkill<Item>(a: AbVersion<Item>, b: AbVersion<Item>): AbSkill<Item> {
  const versions = { a, b };
  const labels = { a: versionLabel(a), b: versionLabel(b) };
  const runVersion = async (side: AbSide, items: Item[], ctx: SkillContext): Promise<VersionOutcome> => {
    const version = versions[side];
    let random: (() => number) | undefined;
    const own: SkillContext = {
      scenario: ctx.scenario,
      params: version.params ? { ...ctx.params, ...version.params } : ctx.params,
      signal: ctx.signal,
      batchIndex: ctx.batchIndex,
      attempt: ctx.attempt,
      idempotencyKey: `${ctx.idempotencyKey}/ab/${side}`,
      seed: ctx.seed,
      // The key the batch runner seeds a batch's stream with (batchRunner.ts), so each version draws what it
      // would draw running alone.
      random: () => (random ??= randomFor(ctx.seed, ctx.scenario, 'batch', ctx.batchIndex, ctx.attempt))(),
    };
    const t0 = performance.now();
    let raw: unknown;
    try {
      raw = await version.skill.run(items, own);
    } catch (error) {
      throw new Error(`version ${side} (${labels[side]}) failed: ${toError(error).message}`, { cause: error });
    }
    const ms = performance.now() - t0;
    try {
      return { result: checkSkillResult(raw, items.length), ms };
    } catch (error) {
      throw new Error(`version ${side} (${labels[side]}): ${toError(error).message}`, { cause: error });
    }
  };
  return {
    name: AB_SKILL_NAME,
    version: JSON.stringify([labels.a, labels.b]),
    labels,
    async run(items, ctx) {
      const first = firstSide(ctx.seed, ctx.scenario, ctx.batchIndex);
      const second: AbSide = first === 'a' ? 'b' : 'a';
      const outcomes = emptyOutcomes();
      outcomes[first] = await runVersion(first, items, ctx);
      // Stopped between the two calls (time budget, pause, cancel): no half pair is recorded.
      if (ctx.signal.aborted) throw toError(ctx.signal.reason ?? new Error('aborted'));
      outcomes[second] = await runVersion(second, items, ctx);
      return combine(outcomes as Record<AbSide, VersionOutcome>, items.length, first);
    },
  };
}

const emptyOutcomes = (): Partial<Record<AbSide, VersionOutcome>> => ({});

function combine(outcomes: Record<AbSide, VersionOutcome>, count: number, first: AbSide): SkillResult {
  const { a, b } = outcomes;
  const metrics = emptyRecord<number>();
  for (const side of ['a', 'b'] as const) {
    const { result, ms } = outcomes[side];
    metrics[abMetric.quality(side)] = result.qualityScore;
    metrics[abMetric.ms(side)] = ms;
    metrics[abMetric.processed(side)] = result.processed ?? count;
    for (const [name, value] of Object.entries(result.metrics ?? {})) if (!isAbMetric(name)) metrics[abMetric.own(side, name)] = value;
  }
  metrics[abMetric.bFirst] = first === 'b' ? 1 : 0;
  // The scenario's own metrics: those both versions report, as the mean of the two.
  const aMetrics = a.result.metrics ?? {};
  const bMetrics = b.result.metrics ?? {};
  for (const name of Object.keys(aMetrics)) {
    if (isAbMetric(name) || !Object.hasOwn(bMetrics, name)) continue;
    metrics[name] = ((aMetrics[name] as number) + (bMetrics[name] as number)) / 2;
  }
  const memory = [a.result.memoryMb, b.result.memoryMb].filter((m): m is number => m !== undefined);
  return {
    qualityScore: (a.result.qualityScore + b.result.qualityScore) / 2,
    processed: Math.min(a.result.processed ?? count, b.result.processed ?? count),
    metrics,
    ...(memory.length > 0 ? { memoryMb: Math.max(...memory) } : {}),
  };
}
