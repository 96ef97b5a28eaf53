import type { ScenarioPlan } from '../machines/scenarioPlan.ts';
import type { SkillResult } from './skill.ts';

/**
 * Results of earlier batches, keyed by what determines them: the skill's name and version, the scenario's
 * merged params and the batch's items. The batch runner asks it before calling the skill when the scenario
 * has `cacheEnabled: true`, and tells it each successful result.
 */
export interface BatchCache {
  lookup(plan: ScenarioPlan, items: readonly unknown[]): Promise<SkillResult | undefined>;
  store(plan: ScenarioPlan, items: readonly unknown[], result: SkillResult): Promise<void>;
}
