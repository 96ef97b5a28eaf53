import type { z } from 'zod';
import { ConfigError, UsageError, type ConfigProblem } from '../errors.ts';
import { setOwn } from '../ownKeys.ts';
import { expandMatrix, locateProblem, matrixProblems, type ConfigPath, type MatrixCombination, type PathProblem } from './matrix.ts';
import { MatrixSchema, OrchestrationConfigSchema, ScenarioDefinitionSchema, ScenarioTemplateSchema, type OrchestrationConfig, type ParsedConfig } from './schema.ts';

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** Renders a zod path as users write it: `scenarios[1].skillParams.batchSize`, `matrix["dataset.file"][0]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (!IDENTIFIER.test(String(key))) out += `[${JSON.stringify(String(key))}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? '(root)' : out;
}

export function toProblems(error: z.ZodError): ConfigProblem[] {
  return describeError(error, []).map(formatProblem);
}

/** A zod error's issues (each union explained by its closest option) as problems under `prefix`. */
function describeError(error: z.ZodError, prefix: ConfigPath): PathProblem[] {
  return closestIssues(error.issues).map((issue) => ({ path: [...prefix, ...issue.path], message: describeIssue(issue) }));
}

const formatProblem = (problem: PathProblem): ConfigProblem => ({ path: formatPath(problem.path), message: problem.message });

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
  const expansion = expandConfigMatrix(input);
  const parsed = OrchestrationConfigSchema.safeParse(expansion.input, { reportInput: true });
  const problems = [...expansion.problems];
  if (!parsed.success) {
    for (const problem of describeError(parsed.error, [])) {
      // A matrix with problems made no scenarios, so an empty list says nothing new.
      if (expansion.problems.length > 0 && formatPath(problem.path) === 'scenarios') continue;
      problems.push({ path: expansion.locate(problem.path), message: problem.message });
    }
  }
  if (problems.length > 0 || !parsed.success) throw new ConfigError(source, uniqueProblems(problems.map(formatProblem)));
  keepProtoParams(expansion.input, parsed.data);
  return parsed.data;
}

interface ConfigExpansion {
  /** The config with the matrix's scenarios after its own, and without `template`. */
  input: unknown;
  /** Problems with `template` and `matrix` themselves. */
  problems: PathProblem[];
  /** Where the user wrote what a problem's path names (a generated scenario's field is in the template or the matrix). */
  locate: (path: ConfigPath) => ConfigPath;
}

/**
 * Expands `template` × `matrix` into scenarios after the config's own, before validation: relative
 * `dataset.file` values then resolve against the config's folder like any other (loadConfigFile anchors
 * paths after validation). `template` goes; `matrix` stays, for the report to group by. A `matrix`
 * without `template` (as validateConfig returns it, and as stored with a run) expands nothing.
 */
function expandConfigMatrix(input: unknown): ConfigExpansion {
  const unchanged: ConfigExpansion = { input, problems: [], locate: (path) => path };
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return unchanged;
  const config = input as Record<string, unknown>;
  const hasTemplate = Object.hasOwn(config, 'template');
  const hasMatrix = Object.hasOwn(config, 'matrix');
  if (!hasTemplate && !hasMatrix) return unchanged;

  const { template, ...rest } = config;
  const explicit = Array.isArray(config.scenarios) ? (config.scenarios as unknown[]) : [];
  const problems: PathProblem[] = [];
  const parsedTemplate = hasTemplate ? ScenarioTemplateSchema.safeParse(template, { reportInput: true }) : undefined;
  if (parsedTemplate?.success === false) problems.push(...describeError(parsedTemplate.error, ['template']));
  const parsedMatrix = hasMatrix ? MatrixSchema.safeParse(config.matrix, { reportInput: true }) : undefined;
  if (parsedMatrix?.success === false) problems.push(...describeError(parsedMatrix.error, ['matrix']));
  // Each listed key is checked even when another key's list is empty or not a list.
  if (isPlainObject(config.matrix)) problems.push(...matrixProblems(listsOf(config.matrix), describeError));
  if (hasTemplate && !hasMatrix) problems.push({ path: ['matrix'], message: 'is required beside template: the scenario fields to vary, each with its values' });
  if (hasMatrix && !hasTemplate && explicit.length === 0) {
    problems.push({ path: ['template'], message: 'is required beside matrix: the scenario fields every combination shares (all but "name")' });
  }
  if (problems.length > 0 || !hasTemplate || parsedMatrix?.success !== true) {
    // Nothing is expanded, so say now what every combination would lack, not only after the matrix is fixed.
    if (parsedTemplate?.success === true && isPlainObject(config.matrix)) problems.push(...fieldsTemplateLacks(template, Object.keys(config.matrix)));
    return { input: rest, problems, locate: (path) => path };
  }

  const combinations = expandMatrix(template as Record<string, unknown>, parsedMatrix.data, explicit.map(scenarioName));
  return {
    input: { ...rest, scenarios: [...explicit, ...combinations.map((combination) => combination.scenario)] },
    problems,
    locate: (path) => locateInCombination(path, explicit.length, combinations),
  };
}

const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

const listsOf = (matrix: Record<string, unknown>): Record<string, unknown[]> =>
  Object.fromEntries(Object.entries(matrix).filter((entry): entry is [string, unknown[]] => Array.isArray(entry[1])));

/** Required scenario fields that neither the template nor a matrix key gives (as validating a combination would report them). */
function fieldsTemplateLacks(template: unknown, matrixKeys: readonly string[]): PathProblem[] {
  const parsed = ScenarioDefinitionSchema.safeParse({ ...(template as Record<string, unknown>), name: 'template' }, { reportInput: true });
  if (parsed.success) return [];
  const varied = matrixKeys.map((key) => key.split('.'));
  const related = (a: readonly PropertyKey[], b: readonly PropertyKey[]) => a.every((segment, i) => i >= b.length || segment === b[i]);
  return describeError(parsed.error, ['template']).filter(
    (problem) => problem.message.startsWith('is required') && !varied.some((key) => related(key, problem.path.slice(1))),
  );
}

const scenarioName = (scenario: unknown): string => {
  const name: unknown = (scenario as { name?: unknown } | null)?.name;
  return typeof name === 'string' ? name : '';
};

/** A problem in generated scenario `scenarios[i]` is reported where its field was written: the template or the matrix. */
function locateInCombination(path: ConfigPath, explicitCount: number, combinations: readonly MatrixCombination[]): ConfigPath {
  const [head, index] = path;
  if (head !== 'scenarios' || typeof index !== 'number' || index < explicitCount) return path;
  const combination = combinations[index - explicitCount];
  return combination === undefined ? path : locateProblem(path.slice(2), combination);
}

/** One line per problem: a template's problem would otherwise repeat once per generated scenario. */
function uniqueProblems(problems: readonly ConfigProblem[]): ConfigProblem[] {
  const seen = new Set<string>();
  return problems.filter((problem) => {
    const key = `${problem.path}\u0000${problem.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
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
    `scenario${names.length > 1 ? 's' : ''} ${names.join(', ')} read${names.length > 1 ? '' : 's'} a dataset file whose record count is not known yet: open the files first: const datasets = await openDatasets(config); createOrchestration(datasets.config, { skill, datasets })`,
  );
}
