import type { Skill } from './skill.ts';

/** Where a skill object came from, so a worker thread can load the same skill itself. */
export type SkillOrigin = { module: string } | { builtin: string };

// A WeakMap, not a property on the skill: the skill is the user's object (often frozen, or shared).
const origins = new WeakMap<object, SkillOrigin>();

/** Notes that `skill` was loaded from `origin` (loadSkillModule does this for every module it loads). */
export function recordSkillOrigin(skill: object, origin: SkillOrigin): void {
  origins.set(skill, origin);
}

/** The module (absolute path) or built-in name `skill` was loaded from; undefined for a skill made in code. */
export function skillOrigin(skill: Pick<Skill<unknown>, 'name'>): SkillOrigin | undefined {
  return origins.get(skill);
}
