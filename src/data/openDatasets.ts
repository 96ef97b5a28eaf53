import { isAbsolute, resolve } from 'node:path';
import { generatedItems, type ItemSource } from '../actors/batchRunner.ts';
import { validateConfig } from '../config/parseConfig.ts';
import { MAX_INPUT_SIZE, isFileDataset, type OrchestrationConfig, type OrchestrationConfigInput, type ParsedConfig, type ScenarioDefinition } from '../config/schema.ts';
import { ScenarioError } from '../errors.ts';
import { indexDataset, type DatasetIndex, type DatasetProgress } from './datasetIndex.ts';
import { fingerprintChanges } from './fingerprint.ts';
import { knownFormat, unknownFormatMessage } from './formats.ts';
import { RecordReader } from './recordReader.ts';
import { ScenarioProblems } from './scenarioProblems.ts';
import { firstRecords, sampledRecords, type ScenarioItems } from './scenarioItems.ts';
import { whyUnreadable } from './unreadableFile.ts';

export interface OpenDatasetsOptions {
  /** What a relative `dataset.file` is resolved against (default: the working directory). */
  cwd?: string;
  /** Told as each file is validated (about once per percent), e.g. to show progress on a big file. */
  onProgress?: (progress: DatasetProgress) => void;
  /** Names the config in error messages (e.g. its file). */
  source?: string;
}

/** A config's dataset files, validated and ready to read. */
export interface OpenedDatasets {
  /** The config to run: every file path absolute, every `inputSize` known, every file's fingerprint recorded. */
  readonly config: OrchestrationConfig;
  /** Each scenario's items by batch: its file's records, or generated ones for a scenario without a file. */
  readonly items: ItemSource;
  /** Ends reading; a later read throws. */
  close(): void;
}

/**
 * Opens the dataset files a config's scenarios read: one streaming pass per distinct file (scenarios that
 * share a file share it) validates every record, counts them and hashes the file, before anything runs,
 * so a malformed record fails here (ScenarioError 'dataset_invalid', naming the file and line) and nothing
 * is half-run. A file with an unknown extension, missing or a directory, and an `inputSize` the file cannot
 * fill, are ConfigError problems at the field the user wrote (a scenario's, or the template's or matrix
 * value's that made it), each naming its scenarios. Each scenario's `inputSize` defaults to its file's
 * record count; a smaller one takes the first records or, with `sample: "random"`, a sample seeded by the
 * config's seed and the scenario's name. A fingerprint already in the config (a stored run's) must match
 * the file, else ScenarioError 'dataset_changed' says what changed.
 * @example
 * ```ts
 * const datasets = await openDatasets(config);
 * const run = createOrchestration(datasets.config, { skill, datasets });
 * ```
 */
export async function openDatasets(input: ParsedConfig | OrchestrationConfigInput, options: OpenDatasetsOptions = {}): Promise<OpenedDatasets> {
  const source = options.source ?? 'config object';
  const parsed = validateConfig(input, source);
  const cwd = options.cwd ?? process.cwd();
  const absolute = (file: string) => (isAbsolute(file) ? file : resolve(cwd, file));
  const problems = new ScenarioProblems(parsed);

  // Every file is looked at (its extension, that it can be opened) before any is read, so a missing one is
  // told at once, with every other such problem, not after a long pass over another.
  const unreadable = new Map<string, string>();
  const files = new Set<string>();
  for (const [i, scenario] of parsed.scenarios.entries()) {
    if (!isFileDataset(scenario.dataset)) continue;
    const file = absolute(scenario.dataset.file);
    if (knownFormat(file) === undefined) problems.add(i, ['dataset', 'file'], `${file}: ${unknownFormatMessage(file)}`);
    else files.add(file);
  }
  await Promise.all([...files].map(async (file) => {
    const reason = await whyUnreadable(file);
    if (reason !== undefined) unreadable.set(file, reason);
  }));
  for (const [i, scenario] of parsed.scenarios.entries()) {
    if (!isFileDataset(scenario.dataset)) continue;
    const file = absolute(scenario.dataset.file);
    const reason = unreadable.get(file);
    if (reason === undefined) continue;
    // A stored run's file that is gone changed since the run started: putting it back lets the run resume.
    if (scenario.dataset.fingerprint) throw new ScenarioError('dataset_changed', `dataset file ${file} of scenario "${scenario.name}" changed since the run started: ${reason}`);
    problems.add(i, ['dataset', 'file'], `${file}: ${reason}`);
  }
  problems.throwIfAny(source);

  const indexes = new Map<string, DatasetIndex>();
  for (const file of files) indexes.set(file, await indexDataset(file, options.onProgress));
  const readers = new Map([...indexes].map(([file, index]) => [file, new RecordReader(index)]));

  const views = new Map<string, ScenarioItems>();
  const scenarios = parsed.scenarios.map((scenario, i): ScenarioDefinition => {
    const dataset = scenario.dataset;
    if (!isFileDataset(dataset)) return { ...scenario, inputSize: scenario.inputSize ?? 0 };
    const file = absolute(dataset.file);
    const index = indexes.get(file);
    const reader = readers.get(file);
    if (!index || !reader) throw new ScenarioError('internal', `dataset file ${file} was not opened`);
    const { fingerprint } = index;
    if (dataset.fingerprint) {
      const changes = fingerprintChanges(dataset.fingerprint, fingerprint);
      if (changes.length > 0) throw new ScenarioError('dataset_changed', `dataset file ${file} of scenario "${scenario.name}" changed since the run started: ${changes.join('; ')}`);
    }
    const records = fingerprint.records;
    const inputSize = scenario.inputSize ?? records;
    if (records === 0) problems.add(i, ['dataset', 'file'], `${file} holds no records`);
    else if (inputSize > records) problems.add(i, ['inputSize'], `is ${inputSize.toLocaleString('en-US')}, but ${file} holds only ${records.toLocaleString('en-US')} records`);
    else if (inputSize > MAX_INPUT_SIZE) {
      problems.add(i, ['inputSize'], `${file} holds ${records.toLocaleString('en-US')} records, more than one scenario may run (10,000,000): set inputSize, or split the file`);
    }
    const view =
      dataset.sample === 'random' && inputSize < records
        ? sampledRecords(reader, { seed: parsed.seed, scenario: scenario.name, size: inputSize, total: records })
        : firstRecords(reader, Math.min(inputSize, records));
    views.set(scenario.name, view);
    return { ...scenario, inputSize, dataset: { ...dataset, file, fingerprint } };
  });
  try {
    problems.throwIfAny(source);
  } catch (error) {
    for (const reader of readers.values()) reader.close();
    throw error;
  }

  const config: OrchestrationConfig = { ...parsed, scenarios };
  let closed = false;
  return {
    config,
    items: (plan, start, count) => {
      if (closed) throw new ScenarioError('usage', 'the datasets were closed: open them again (openDatasets) to read them');
      const view = views.get(plan.name);
      return view ? view.read(start, count) : generatedItems(plan, start, count);
    },
    close: () => {
      closed = true;
      for (const reader of readers.values()) reader.close();
    },
  };
}
