import type { z } from 'zod';
import { ConfigError, UsageError, type ConfigProblem } from '../errors.ts';
import { setOwn } from '../ownKeys.ts';
import { OrchestrationConfigSchema, type OrchestrationConfig, type ParsedConfig } from './schema.ts';

/** Renders a zod path as users write it: `scenarios[1].skillParams.batchSize`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? '(root)' : out;
}

export function toProblems(error: z.ZodError): ConfigProblem[] {
  return closestIssues(error.issues).map((issue) => ({ path: formatPath(issue.path), message: describeIssue(issue) }));
}

/**
 * A union that matched no option (a dataset, a skill reference) is explained by the option the input came
 * closest to, when one is closest (fewest issues): `dataset.distribution: expected "uniform" | "skewed"`
 * says more than "must be one of these shapes". On a tie the union's own message stands.
 */
function closestIssues(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue[] {
  return issues.flatMap((issue) => {
    if (issue.code !== 'invalid_union' || issue.errors.length === 0) return [issue];
    const sizes = issue.errors.map((branch) => branch.length);
    const fewest = Math.min(...sizes);
    if (sizes.filter((size) => size === fewest).length > 1) return [issue];
    const branch = issue.errors[sizes.indexOf(fewest)] ?? [];
    return closestIssues(branch.map((inner) => ({ ...inner, path: [...issue.path, ...inner.path] })));
  });
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  if (issue.input === undefined && (issue.code === 'invalid_type' || issue.code === 'invalid_value')) {
    return issue.code === 'invalid_value' ? `is required (one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')})` : `is required (expected ${issue.expected})`;
  }
  return issue.message;
}

/**
 * Validates a configuration object, filling defaults; throws ConfigError with one problem per issue. A
 * scenario reading a dataset file may still lack its `inputSize` (the file's record count): openDatasets
 * fills it in.
 */
export function validateConfig(input: unknown, source = 'config object'): ParsedConfig {
  const parsed = OrchestrationConfigSchema.safeParse(input, { reportInput: true });
  if (!parsed.success) throw new ConfigError(source, toProblems(parsed.error));
  keepProtoParams(input, parsed.data);
  return parsed.data;
}

/**
 * zod's looseObject drops a `__proto__` key (assigning it would replace the prototype), so a scenario's
 * `skillParams.__proto__` is copied back from the input as an own property: the skill gets every param given.
 */
function keepProtoParams(input: unknown, config: ParsedConfig): void {
  const scenarios = (input as { scenarios?: unknown } | null)?.scenarios;
  if (!Array.isArray(scenarios)) return;
  config.scenarios.forEach((scenario, index) => {
    const given: unknown = (scenarios[index] as { skillParams?: unknown } | null | undefined)?.skillParams;
    if (typeof given === 'object' && given !== null && Object.hasOwn(given, '__proto__')) {
      setOwn(scenario.skillParams, '__proto__', (given as Record<string, unknown>)['__proto__']);
    }
  });
}

/**
 * Validates a configuration that can run as it is (every input size known); throws ConfigError for an
 * invalid one and UsageError for one whose dataset files must be opened first (see openDatasets).
 */
export function parseConfig(input: unknown, source = 'config object'): OrchestrationConfig {
  return requireInputSizes(validateConfig(input, source));
}

/** True when every scenario's input size is known, so the config can run. */
export function hasInputSizes(config: ParsedConfig): config is OrchestrationConfig {
  return config.scenarios.every((scenario) => scenario.inputSize !== undefined);
}

/** The config, ready to run; throws if a dataset file has not been opened yet to count its records. */
export function requireInputSizes(config: ParsedConfig): OrchestrationConfig {
  if (hasInputSizes(config)) return config;
  const names = config.scenarios.filter((scenario) => scenario.inputSize === undefined).map((scenario) => `"${scenario.name}"`);
  throw new UsageError(
    `scenario${names.length > 1 ? 's' : ''} ${names.join(', ')} read${names.length > 1 ? '' : 's'} a dataset file whose record count is not known yet: open the files first (const { config, datasets } = await openDatasets(config)) and pass { datasets }`,
  );
}
