import type { z } from 'zod';
import { ConfigError, type ConfigProblem } from '../errors.ts';
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
  return parsed.data;
}
