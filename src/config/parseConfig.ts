import type { z } from 'zod';
import { ConfigError, type ConfigProblem } from '../errors.ts';
import { setOwn } from '../ownKeys.ts';
import { OrchestrationConfigSchema, type OrchestrationConfig } from './schema.ts';

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
  return error.issues.map((issue) => ({ path: formatPath(issue.path), message: describeIssue(issue) }));
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  if (issue.input === undefined && (issue.code === 'invalid_type' || issue.code === 'invalid_value')) {
    return issue.code === 'invalid_value' ? `is required (one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')})` : `is required (expected ${issue.expected})`;
  }
  return issue.message;
}

/** Validates a configuration object, filling defaults; throws ConfigError with one problem per issue. */
export function parseConfig(input: unknown, source = 'config object'): OrchestrationConfig {
  const parsed = OrchestrationConfigSchema.safeParse(input, { reportInput: true });
  if (!parsed.success) throw new ConfigError(source, toProblems(parsed.error));
  keepProtoParams(input, parsed.data);
  return parsed.data;
}

/**
 * zod's looseObject drops a `__proto__` key (assigning it would replace the prototype), so a scenario's
 * `skillParams.__proto__` is copied back from the input as an own property: the skill gets every param given.
 */
function keepProtoParams(input: unknown, config: OrchestrationConfig): void {
  const scenarios = (input as { scenarios?: unknown } | null)?.scenarios;
  if (!Array.isArray(scenarios)) return;
  config.scenarios.forEach((scenario, index) => {
    const given: unknown = (scenarios[index] as { skillParams?: unknown } | null | undefined)?.skillParams;
    if (typeof given === 'object' && given !== null && Object.hasOwn(given, '__proto__')) {
      setOwn(scenario.skillParams, '__proto__', (given as Record<string, unknown>)['__proto__']);
    }
  });
}
