import { commandSkill, withReadiness, type CommandSkill } from '../actors/commandSkill.ts';
import { builtinSkill, loadSkillModule } from '../actors/loadSkill.ts';
import type { Skill } from '../actors/skill.ts';
import type { SkillRef } from '../config/schema.ts';
import { UsageError } from '../errors.ts';
import { abSkill, type AbSkill } from './abSkill.ts';

export interface LoadedAbSkill {
  skill: AbSkill<unknown>;
  /** Ends the children of command versions (a no-op without any): call it when the run is over. */
  close(): Promise<void>;
}

export interface LoadAbOptions {
  /** What a relative module path or command cwd is taken from (default: process.cwd()). */
  cwd?: string;
  /** Where command versions' stderr goes, one line at a time. */
  stderr?: (line: string) => void;
}

/**
 * The A/B composite of a config's `skills` (version a, then b): each a built-in, a module or a command, with
 * its `params` laid over the scenario's. Command children start on their first batch.
 */
export async function loadAbSkill(refs: readonly SkillRef[], options: LoadAbOptions = {}): Promise<LoadedAbSkill> {
  const [refA, refB] = refs;
  if (refs.length !== 2 || refA === undefined || refB === undefined) throw new UsageError(`A/B needs exactly two skills, version a then version b (got ${refs.length})`);
  const commands: CommandSkill[] = [];
  const load = async (ref: SkillRef): Promise<Skill<unknown>> => {
    if ('module' in ref) return (await loadSkillModule(ref.module, options.cwd));
    if ('command' in ref) {
      // The ref's params reach the child through the version's context (abSkill lays them over the scenario's).
      const skill = commandSkill(ref, { ...(options.cwd !== undefined ? { cwd: options.cwd } : {}), ...(options.stderr ? { stderr: options.stderr } : {}) });
      commands.push(skill);
      return skill;
    }
    return builtinSkill(ref.name);
  };
  const close = async () => void (await Promise.all(commands.map((c) => c.close())));
  try {
    const [a, b] = [await load(refA), await load(refB)];
    const pair = abSkill({ skill: a, ...(refA.params ? { params: refA.params } : {}) }, { skill: b, ...(refB.params ? { params: refB.params } : {}) });
    // Both versions' children start before the batch is timed, so neither's start-up is in a's or b's time.
    const skill = commands.length === 0 ? pair : withReadiness(pair, async (scenario) => void (await Promise.all(commands.map((c) => c.ready(scenario)))));
    return { skill, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** The config without its A/B pair: one skill named in its place runs alone. */
export function withoutAb<C extends { skills?: unknown }>(config: C): C {
  const rest = { ...config };
  delete rest.skills;
  return rest;
}
