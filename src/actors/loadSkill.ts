import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { ScenarioError, toError } from '../errors.ts';
import { simulatedSkill } from './simulatedSkill.ts';
import { SkillShapeSchema, type Skill } from './skill.ts';

/** Skills that ship with the library, by name. */
export const builtinSkills: Readonly<Record<string, Skill>> = { simulated: simulatedSkill };

export function builtinSkill(name: string): Skill {
  const skill = builtinSkills[name];
  if (!skill) throw new ScenarioError('skill_invalid', `unknown built-in skill "${name}" (built-in: ${Object.keys(builtinSkills).join(', ')}); use { module: "./my-skill.ts" } for your own`);
  return skill;
}

/**
 * Imports a skill module (.js, .mjs, or .ts when run through the `scenarios` CLI or a TS-aware loader)
 * and checks its default export is `{ name, version, run }`. A relative `path` resolves against `cwd`;
 * a config file's `skill.module` is already absolute (loadConfigFile resolves it against the file's folder).
 */
export async function loadSkillModule(path: string, cwd = process.cwd()): Promise<Skill> {
  const absolute = resolve(cwd, path);
  if (!existsSync(absolute)) throw new ScenarioError('skill_invalid', `skill module not found: ${absolute}`);
  let module: unknown;
  try {
    module = await import(pathToFileURL(absolute).href);
  } catch (error) {
    throw new ScenarioError('skill_invalid', `could not load skill module ${absolute}: ${toError(error).message}`, { cause: error });
  }
  const candidate = (module as { default?: unknown }).default ?? module;
  const parsed = SkillShapeSchema.safeParse(candidate);
  if (!parsed.success) {
    throw new ScenarioError(
      'skill_invalid',
      `${absolute} must default-export { name, version, run(items, ctx) } (use defineSkill): ${z.prettifyError(parsed.error).replaceAll('\n', ' ')}`,
    );
  }
  return candidate as Skill;
}
