import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { ConfigError, toError } from '../errors.ts';
import { parseJsonc } from './jsonc.ts';
import { validateConfig } from './parseConfig.ts';
import type { ParsedConfig } from './schema.ts';

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
  return anchorPaths(validateConfig(parseJsonc(text, path), path), dirname(absolute));
}

/** The config with its relative paths made absolute against `folder` (the config file's). */
export function anchorPaths(config: ParsedConfig, folder: string): ParsedConfig {
  const anchor = (path: string) => (isAbsolute(path) ? path : resolve(folder, path));
  const { skill } = config;
  const anchoredSkill =
    'module' in skill ? { ...skill, module: anchor(skill.module) } : 'command' in skill ? { ...skill, cwd: anchor(skill.cwd ?? '.') } : skill;
  return {
    ...config,
    skill: anchoredSkill,
    scenarios: config.scenarios.map((scenario) =>
      'file' in scenario.dataset ? { ...scenario, dataset: { ...scenario.dataset, file: anchor(scenario.dataset.file) } } : scenario,
    ),
  };
}
