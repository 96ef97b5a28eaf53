/** Every error this library throws on purpose carries a literal `code`, so callers can branch without parsing text. */
export type ErrorCode =
  | 'config_invalid'
  | 'usage'
  | 'skill_invalid'
  | 'skill_failed'
  | 'dataset_invalid'
  | 'dataset_changed'
  | 'skill_out_of_memory'
  | 'store_unavailable'
  | 'snapshot_invalid'
  | 'not_found'
  | 'lease_held'
  | 'internal';

export class ScenarioError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ScenarioError';
    this.code = code;
  }
}

/** One problem found in a configuration: where it is and what is wrong. */
export interface ConfigProblem {
  path: string;
  message: string;
}

export class ConfigError extends ScenarioError {
  readonly problems: readonly ConfigProblem[];
  constructor(source: string, problems: readonly ConfigProblem[]) {
    super('config_invalid', `invalid configuration (${source}):\n${problems.map((p) => `  ${p.path}: ${p.message}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export class UsageError extends ScenarioError {
  constructor(message: string) {
    super('usage', message);
    this.name = 'UsageError';
  }
}

/** A bug in this library, not in the caller's input. */
export class InternalError extends ScenarioError {
  constructor(message: string) {
    super('internal', `${message} (this is a bug in scenario-orchestrator; please report it)`);
    this.name = 'InternalError';
  }
}

/** Normalises anything thrown into an Error, so messages can always be read. */
export function toError(value: unknown): Error {
  if (value instanceof Error) return value;
  if (typeof value === 'string') return new Error(value);
  try {
    return new Error(JSON.stringify(value));
  } catch {
    return new Error(String(value));
  }
}

/**
 * The skill ran out of the memory its scenario may use (an isolated worker hit its heap cap): the scenario
 * fails with `memory_limit_exceeded`, without retries, since the same batch would run out again.
 */
export class SkillOutOfMemoryError extends ScenarioError {
  /** The limit it reached, in MB. */
  readonly limitMb: number;
  constructor(message: string, limitMb: number, options?: { cause?: unknown }) {
    super('skill_out_of_memory', message, options);
    this.name = 'SkillOutOfMemoryError';
    this.limitMb = limitMb;
  }
}
