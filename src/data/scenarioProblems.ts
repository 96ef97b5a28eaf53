import { combinationsByName, locateProblem, type ConfigPath } from '../config/matrix.ts';
import { formatPath } from '../config/parseConfig.ts';
import type { ParsedConfig } from '../config/schema.ts';
import { ConfigError } from '../errors.ts';

/**
 * Problems found in the files a config's scenarios read, each at the field the user wrote: `scenarios[i]`
 * for a scenario of their own; for one a matrix made, the matrix value or template field it came from,
 * where several scenarios may share one problem (a template's file), so each line names its scenarios.
 */
export class ScenarioProblems {
  private readonly byLine = new Map<string, { path: string; message: string; scenarios: string[] }>();
  private combinations: ReturnType<typeof combinationsByName> | undefined;
  private readonly config: ParsedConfig;

  constructor(config: ParsedConfig) {
    this.config = config;
  }

  add(index: number, field: ConfigPath, message: string): void {
    const name = this.config.scenarios[index]?.name ?? '';
    // Found only when there is a problem to place: most configs have none.
    this.combinations ??= combinationsByName(this.config.scenarios, this.config.matrix);
    const combination = this.combinations.get(name);
    const path = formatPath(combination ? locateProblem(field, combination) : ['scenarios', index, ...field]);
    const key = `${path}\u0000${message}`;
    const line = this.byLine.get(key) ?? { path, message, scenarios: [] };
    line.scenarios.push(name);
    this.byLine.set(key, line);
  }

  throwIfAny(source: string): void {
    if (this.byLine.size === 0) return;
    const named = (names: readonly string[]) => `scenario${names.length > 1 ? 's' : ''} ${names.map((name) => `"${name}"`).join(', ')}`;
    throw new ConfigError(source, [...this.byLine.values()].map(({ path, message, scenarios }) => ({ path, message: `${message} (${named(scenarios)})` })));
  }
}
