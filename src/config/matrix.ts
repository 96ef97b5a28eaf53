import { z } from 'zod';
import { setOwn } from '../ownKeys.ts';
import { FileDatasetSchema, GeneratedDatasetSchema, ScenarioDefinitionSchema, SkillParamsSchema } from './schema.ts';

/**
 * A scenario matrix: a `template` (every scenario field but the name) and `matrix`, scenario field paths
 * with the values to try, expand to one scenario per combination (the cartesian product, first key
 * slowest), each named from its values. Pure functions over plain data; validateConfig checks the result
 * and reports problems at the paths the user wrote (`matrix["skillParams.batchSize"][1]`).
 */

/** More scenarios than this in one config is almost certainly a mistake (and one run could not hold them well). */
export const MAX_MATRIX_COMBINATIONS = 1_000;

/** A user path inside the config, as zod paths are: keys and indices. */
export type ConfigPath = readonly PropertyKey[];

/** One problem at a user path (keys and indices), before formatting. */
export interface PathProblem {
  path: ConfigPath;
  message: string;
}

export interface MatrixCombination {
  /** The generated scenario name (unique among all scenarios of the config). */
  name: string;
  /** Matrix key -> the index of this combination's value in that key's list. */
  indices: ReadonlyMap<string, number>;
  /** The template with this combination's values set, and the name: a scenario to validate. */
  scenario: Record<string, unknown>;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

const segmentsOf = (key: string) => key.split('.');

/** The schema a value at this path must satisfy, or a message saying why the path is not a scenario field. */
function fieldAt(key: string): z.ZodType | string {
  const segments = segmentsOf(key);
  const [head = '', sub, ...rest] = segments;
  const scenarioFields = Object.keys(ScenarioDefinitionSchema.shape).filter((field) => field !== 'name');
  const known = `a scenario field (${scenarioFields.join(', ')}), "dataset.<field>" or "skillParams.<param>"`;
  if (head === 'name') return 'cannot vary the name: each combination is named from its values';
  if (!Object.hasOwn(ScenarioDefinitionSchema.shape, head)) return `unknown parameter "${key}": expected ${known}`;
  if (segments.some((segment) => segment === '')) return `"${key}" has an empty segment: expected ${known}`;
  if (sub === undefined) return ScenarioDefinitionSchema.shape[head as keyof typeof ScenarioDefinitionSchema.shape];
  if (rest.length > 0) return `"${key}" is nested too deep: expected ${known}`;
  if (head === 'skillParams') {
    // Params of the user's own are passed to the skill as they are; the known ones are checked.
    return Object.hasOwn(SkillParamsSchema.shape, sub) ? SkillParamsSchema.shape[sub as keyof typeof SkillParamsSchema.shape] : z.unknown();
  }
  if (head === 'dataset') {
    if (sub === 'file' || sub === 'sample') return FileDatasetSchema.shape[sub];
    if (sub === 'distribution') return GeneratedDatasetSchema.shape.distribution;
    return `unknown parameter "${key}": a dataset has "file", "sample" or "distribution"`;
  }
  return `unknown parameter "${key}": "${head}" has no fields to vary one by one (vary "${head}" as a whole)`;
}

/** Turns a zod error into problems under `prefix` (parseConfig's wording, so every message reads alike). */
export type DescribeError = (error: z.ZodError, prefix: ConfigPath) => PathProblem[];

/**
 * Problems with the matrix's keys and values themselves, each at the key or value the user wrote. Every
 * value is checked on its own against its field, so a wrong one is named where it was written rather than
 * in each scenario it would make.
 */
export function matrixProblems(matrix: Readonly<Record<string, readonly unknown[]>>, describe: DescribeError): PathProblem[] {
  const problems: PathProblem[] = [];
  const keys = Object.keys(matrix);
  for (const key of keys) {
    const field = fieldAt(key);
    if (typeof field === 'string') {
      problems.push({ path: ['matrix', key], message: field });
      continue;
    }
    const overlapping = keys.find((other) => other !== key && isPrefix(segmentsOf(other), segmentsOf(key)));
    if (overlapping !== undefined) {
      problems.push({ path: ['matrix', key], message: `overlaps matrix["${overlapping}"]: vary a field or its parent, not both` });
      continue;
    }
    (matrix[key] ?? []).forEach((value, index) => {
      const parsed = field.safeParse(value, { reportInput: true });
      if (!parsed.success) problems.push(...describe(parsed.error, ['matrix', key, index]));
    });
  }
  const count = combinationCount(matrix);
  if (count > MAX_MATRIX_COMBINATIONS) {
    const sizes = keys.map((key) => matrix[key]?.length ?? 0).join(' × ');
    problems.push({
      path: ['matrix'],
      message: `makes ${count.toLocaleString('en-US')} scenarios (${sizes}): at most ${MAX_MATRIX_COMBINATIONS.toLocaleString('en-US')} fit in one config; vary fewer values, or split it into several configs`,
    });
  }
  return problems;
}

const isPrefix = (prefix: readonly PropertyKey[], path: readonly PropertyKey[]) =>
  prefix.length <= path.length && prefix.every((segment, index) => segment === path[index]);

export function combinationCount(matrix: Readonly<Record<string, readonly unknown[]>>): number {
  return Object.keys(matrix).reduce((product, key) => product * (matrix[key]?.length ?? 0), 1);
}

/**
 * The combinations of `matrix` over `template`, in key order (the first key varies slowest), named from
 * their values and kept unique against `takenNames` (the config's own scenarios) and each other. Call
 * after matrixProblems found nothing.
 */
export function expandMatrix(
  template: Readonly<Record<string, unknown>>,
  matrix: Readonly<Record<string, readonly unknown[]>>,
  takenNames: Iterable<string>,
): MatrixCombination[] {
  const keys = Object.keys(matrix);
  const labels = parameterLabels(keys);
  const taken = new Set(takenNames);
  const combinations: MatrixCombination[] = [];
  const total = combinationCount(matrix);
  for (let ordinal = 0; ordinal < total; ordinal++) {
    // Mixed-radix digits of the ordinal: the last key varies fastest.
    const indices = new Map<string, number>();
    let rest = ordinal;
    for (let k = keys.length - 1; k >= 0; k--) {
      const key = keys[k] ?? '';
      const size = matrix[key]?.length ?? 1;
      indices.set(key, rest % size);
      rest = Math.floor(rest / size);
    }
    const scenario = deepCopy(template) as Record<string, unknown>;
    const parts: string[] = [];
    for (const key of keys) {
      const value = matrix[key]?.[indices.get(key) ?? 0];
      setAtPath(scenario, segmentsOf(key), deepCopy(value));
      // Dashes that only stand in for brackets or quotes at the ends go; a number keeps its sign.
      const label = sanitize(valueLabel(key, value));
      parts.push(`${labels.get(key) ?? key}-${typeof value === 'number' ? label : label.replace(/^-+|-+$/g, '')}`);
    }
    const name = uniqueName(scenarioName(parts), taken);
    taken.add(name);
    combinations.push({ name, indices, scenario: { name, ...scenario } });
  }
  return combinations;
}

/**
 * Where a problem found in a generated scenario was written: under the matrix value it came from when its
 * path lies inside a varied field, else in the template.
 */
export function locateProblem(scenarioPath: ConfigPath, combination: MatrixCombination): ConfigPath {
  for (const [key, index] of combination.indices) {
    const segments = segmentsOf(key);
    if (isPrefix(segments, scenarioPath)) return ['matrix', key, index, ...scenarioPath.slice(segments.length)];
  }
  return ['template', ...scenarioPath];
}

/**
 * The combination that made each scenario of a validated config, by scenario name, found from the config
 * alone (its template is gone): validateConfig puts the combinations after the config's own scenarios, in
 * order, named as expandMatrix names them. A scenario written by hand has none. For a problem found after
 * validation (a dataset file's record count), so locateProblem can name where the user wrote it.
 */
export function combinationsByName(
  scenarios: readonly { name: string }[],
  matrix: Readonly<Record<string, readonly unknown[]>> | undefined,
): Map<string, MatrixCombination> {
  const found = new Map<string, MatrixCombination>();
  if (matrix === undefined) return found;
  const own = scenarios.length - combinationCount(matrix);
  if (own < 0) return found;
  expandMatrix({}, matrix, scenarios.slice(0, own).map((scenario) => scenario.name)).forEach((combination, k) => {
    if (scenarios[own + k]?.name === combination.name) found.set(combination.name, combination);
  });
  return found;
}

/**
 * Each scenario's value of every matrix key, for the report: read from the scenario as it runs, so a
 * scenario written by hand has its values too (`undefined` where it has none).
 */
export function matrixValues(scenario: unknown, keys: readonly string[]): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const key of keys) setOwn(values, key, valueAtPath(scenario, segmentsOf(key)));
  return values;
}

function valueAtPath(target: unknown, segments: readonly string[]): unknown {
  let current = target;
  for (const segment of segments) {
    if (!isPlainObject(current) || !Object.hasOwn(current, segment)) return undefined;
    current = current[segment];
  }
  return current;
}

/** A short label for a value in a scenario name: a file by its base name without extension. */
export function valueLabel(key: string, value: unknown): string {
  if (typeof value === 'string') return key === 'dataset.file' ? fileStem(value) : value;
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  return JSON.stringify(value) ?? '';
}

const fileStem = (path: string) => {
  const base = path.split(/[\\/]/).pop() ?? path;
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(0, dot) : base;
};

/** Each key's last segment (`batchSize`), or the whole key where two keys share a last segment. */
export function parameterLabels(keys: readonly string[]): Map<string, string> {
  const last = (key: string) => segmentsOf(key).at(-1) ?? key;
  return new Map(keys.map((key) => [key, sanitize(keys.filter((other) => last(other) === last(key)).length > 1 ? key : last(key))]));
}

// Scenario names may hold only letters, digits, "_", "." and "-", start with a letter or digit, and run to 64 characters.
const NAME_LIMIT = 64;
const sanitize = (text: string) => text.replace(/[^A-Za-z0-9_.-]+/g, '-');

function scenarioName(parts: readonly string[]): string {
  const joined = parts.join('_').replace(/^[^A-Za-z0-9]+/, '');
  return (joined === '' ? 'scenario' : joined).slice(0, NAME_LIMIT);
}

function uniqueName(name: string, taken: ReadonlySet<string>): string {
  if (!taken.has(name)) return name;
  for (let n = 2; ; n++) {
    const suffix = `-${n}`;
    const candidate = `${name.slice(0, NAME_LIMIT - suffix.length)}${suffix}`;
    if (!taken.has(candidate)) return candidate;
  }
}

function setAtPath(target: Record<string, unknown>, segments: readonly string[], value: unknown): void {
  let current = target;
  segments.slice(0, -1).forEach((segment) => {
    const next = Object.hasOwn(current, segment) ? current[segment] : undefined;
    if (isPlainObject(next)) current = next;
    else {
      const created: Record<string, unknown> = {};
      setOwn(current, segment, created);
      current = created;
    }
  });
  setOwn(current, segments.at(-1) ?? '', value);
}

/** A copy that keeps own `__proto__` keys (as JSON.parse makes them), so a template's params reach every scenario. */
function deepCopy(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(deepCopy);
  if (!isPlainObject(value)) return value;
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) setOwn(copy, key, deepCopy(value[key]));
  return copy;
}
