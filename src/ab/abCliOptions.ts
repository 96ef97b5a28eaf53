import { resolve } from 'node:path';
import { SkillRefSchema, type SkillRef } from '../config/schema.ts';
import { UsageError } from '../errors.ts';

/** `--skill a.ts --skill b.ts` or `--skill-command "…" --skill-command "…"`: version a, then version b. */
export type AbCliSkills = { kind: 'modules'; modules: [string, string] } | { kind: 'commands'; commands: [string[], string[]] };

/**
 * The A/B pair named on the command line, or undefined when neither option is repeated (one skill, or none).
 * cac gives a repeated option as an array. `words` splits a --skill-command as a shell would (run.ts).
 */
export function parseAbSkillOptions(skill: unknown, skillCommand: unknown, words: (raw: unknown) => string[] | undefined): AbCliSkills | undefined {
  if (!Array.isArray(skill) && !Array.isArray(skillCommand)) return undefined;
  if (skill !== undefined && skillCommand !== undefined) {
    throw new UsageError('--skill and --skill-command name different kinds of skill: for an A/B run give two of one kind (--skill a.ts --skill b.ts, or --skill-command twice), or mix them in the config\'s "skills"');
  }
  const given: unknown[] = Array.isArray(skill) ? skill : (skillCommand as unknown[]);
  const option = Array.isArray(skill) ? '--skill' : '--skill-command';
  if (given.length !== 2) throw new UsageError(`${option} given ${given.length} times: once for one skill, twice for an A/B run (version a, then version b)`);
  const [a, b] = given;
  if (Array.isArray(skill)) {
    if (typeof a !== 'string' || a === '' || typeof b !== 'string' || b === '') throw new UsageError('--skill needs a module path');
    return { kind: 'modules', modules: [a, b] };
  }
  const [wordsA, wordsB] = [words(a), words(b)];
  if (!wordsA || !wordsB) throw new UsageError('--skill-command needs a program and its arguments, e.g. --skill-command "python3 my_skill.py"');
  return { kind: 'commands', commands: [wordsA, wordsB] };
}

/** The config's `skills` for a pair named on the command line: modules absolute, commands run from `cwd`, so resume finds them. */
export function abSkillRefs(pair: AbCliSkills, cwd: string): [SkillRef, SkillRef] {
  if (pair.kind === 'modules') return [{ module: resolve(cwd, pair.modules[0]) }, { module: resolve(cwd, pair.modules[1]) }];
  return [SkillRefSchema.parse({ command: pair.commands[0], cwd }), SkillRefSchema.parse({ command: pair.commands[1], cwd })];
}
