import { expect } from 'vitest';
import { parseConfig } from '../../src/config/parseConfig.ts';
import { ConfigError, type ConfigProblem } from '../../src/errors.ts';

/** The problems parseConfig reports for an input (fails the test if it parses). */
export function configProblems(input: unknown): ConfigProblem[] {
  try {
    parseConfig(input);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return [...(error as ConfigError).problems];
  }
  throw new Error('expected a ConfigError');
}
