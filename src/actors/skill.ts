import { z } from 'zod';
import { ownRecord } from '../ownKeys.ts';
import type { InputItem } from './inputData.ts';

/** What a skill's `run` must return for each batch; anything else fails the batch with a clear error. */
export const SkillResultSchema = z.strictObject({
  /** 0..1: how good this batch's output was. */
  qualityScore: z.number().min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1'),
  /** Items actually processed; the rest of the batch counts as failed. Defaults to the whole batch. */
  processed: z.int('must be an integer').min(0, 'must be 0 or more').optional(),
  /** Extra 0..1 scores averaged into the report under their own names (e.g. `f1`); any name, `__proto__` too, but `coverage` and `latency` are the run's own (docs/metrics.md). */
  metrics: ownRecord(z.number()).optional(),
  /** Memory the skill used for this batch, if it knows better than a process-wide sample. */
  memoryMb: z.number().min(0).optional(),
});

export type SkillResult = z.output<typeof SkillResultSchema>;

export interface SkillContext {
  /** Scenario name. */
  scenario: string;
  /** The config's skill.params merged with the scenario's skillParams (scenario wins). */
  params: Readonly<Record<string, unknown>>;
  /** Aborted when the scenario stops waiting for this batch (time budget, cancel, shutdown). One per batch. */
  signal: AbortSignal;
  batchIndex: number;
  /** 1 for the first try, 2 for the first retry, ... */
  attempt: number;
  /** `${orchestrationId}/${scenario}/batch/${batchIndex}`: the same on a retry and on a re-run after a crash. */
  idempotencyKey: string;
  seed: number;
  /** Seeded by (seed, scenario, batch, attempt): the same draws on every re-run. */
  random: () => number;
}

/** A unit of work to compare across scenarios. A module's default export must be one of these. */
export interface Skill<Item = InputItem> {
  name: string;
  version: string;
  run(items: Item[], ctx: SkillContext): Promise<SkillResult> | SkillResult;
}

/**
 * Types a skill; returns it unchanged.
 * @example
 * ```ts
 * export default defineSkill({
 *   name: 'classify', version: '1.0.0',
 *   async run(items, { signal }) { const out = await classify(items, { signal }); return { qualityScore: out.f1 }; },
 * });
 * ```
 */
export function defineSkill<Item = InputItem>(skill: Skill<Item>): Skill<Item> {
  return skill;
}

export const SkillShapeSchema = z.object({
  name: z.string().min(1),
  version: z.string().min(1),
  run: z.custom<Skill['run']>((value) => typeof value === 'function', 'must be a function'),
});
