import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { ConfigError, toError } from '../errors.ts';
import { validateConfig } from './parseConfig.ts';
import type { ParsedConfig, SkillRef } from './schema.ts';

/**
 * Reads and validates a JSON config file (comments and trailing commas allowed); every problem is reported with its field path. Relative paths
 * in it (`skill.module`, a skill command's `cwd`, which defaults to the file's folder, and each
 * `dataset.file`) are made absolute against the file's folder, so the config works (and a stored run
 * resumes) from any working directory. A dataset file's record count is not known yet: see openDatasets.
 */
export async function loadConfigFile(path: string, cwd = process.cwd()): Promise<ParsedConfig> {
  const absolute = resolve(cwd, path);
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (error) {
    throw new ConfigError(path, [{ path: '(file)', message: `cannot read ${absolute}: ${toError(error).message}` }]);
  }
  const parsed = plainJson(text) ?? { value: (await import('./jsonc.ts')).parseJsonc(text, path) };
  return anchorPaths(validateConfig(parsed.value, path), dirname(absolute));
}

/**
 * The file as plain JSON when it is that (JSON.parse gives what parseJsonc would: own keys, `"__proto__"`
 * included, the last of duplicate keys), so jsonc-parser is loaded only for comments, trailing commas or a
 * syntax error to point at.
 */
function plainJson(text: string): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    return undefined;
  }
}

/** The config with its relative paths made absolute against `folder` (the config file's). */
export function anchorPaths(config: ParsedConfig, folder: string): ParsedConfig {
  const anchor = (path: string) => (isAbsolute(path) ? path : resolve(folder, path));
  const anchorSkill = (skill: SkillRef): SkillRef =>
    'module' in skill ? { ...skill, module: anchor(skill.module) } : 'command' in skill ? { ...skill, cwd: anchor(skill.cwd ?? '.') } : skill;
  return {
    ...config,
    skill: anchorSkill(config.skill),
    // A/B (src/ab): both versions' paths, as the one skill's.
    ...(config.skills ? { skills: config.skills.map(anchorSkill) } : {}),
    scenarios: config.scenarios.map((scenario) =>
      'file' in scenario.dataset ? { ...scenario, dataset: { ...scenario.dataset, file: anchor(scenario.dataset.file) } } : scenario,
    ),
  };
}
