import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { ConfigError, toError } from '../errors.ts';
import { parseConfig } from './parseConfig.ts';
import type { OrchestrationConfig } from './schema.ts';

/**
 * Reads and validates a JSON config file; every problem is reported with its field path. A relative
 * `skill.module` is made absolute against the file's folder, so the config works (and a stored run
 * resumes) from any working directory.
 */
export async function loadConfigFile(path: string, cwd = process.cwd()): Promise<OrchestrationConfig> {
  const absolute = resolve(cwd, path);
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (error) {
    throw new ConfigError(path, [{ path: '(file)', message: `cannot read ${absolute}: ${toError(error).message}` }]);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(path, [{ path: '(file)', message: `not valid JSON: ${toError(error).message}` }]);
  }
  const config = parseConfig(data, path);
  if ('module' in config.skill && !isAbsolute(config.skill.module)) {
    return { ...config, skill: { ...config.skill, module: resolve(dirname(absolute), config.skill.module) } };
  }
  return config;
}
