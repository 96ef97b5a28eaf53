import { isAbsolute, resolve } from 'node:path';
import { generatedItems, type ItemSource } from '../actors/batchRunner.ts';
import { validateConfig } from '../config/parseConfig.ts';
import { MAX_INPUT_SIZE, isFileDataset, type OrchestrationConfig, type OrchestrationConfigInput, type ParsedConfig, type ScenarioDefinition } from '../config/schema.ts';
import { ConfigError, ScenarioError, type ConfigProblem } from '../errors.ts';
import { indexDataset, type DatasetIndex, type DatasetProgress } from './datasetIndex.ts';
import { fingerprintChanges } from './fingerprint.ts';
import { RecordReader } from './recordReader.ts';
import { firstRecords, sampledRecords, type ScenarioItems } from './scenarioItems.ts';

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
 * is half-run. Each scenario's `inputSize` defaults to its file's record count; a smaller one takes the
 * first records or, with `sample: "random"`, a sample seeded by the config's seed and the scenario's name.
 * A fingerprint already in the config (a stored run's) must match the file, else ScenarioError
 * 'dataset_changed' says what changed.
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

  const indexes = new Map<string, DatasetIndex>();
  for (const scenario of parsed.scenarios) {
    if (!isFileDataset(scenario.dataset)) continue;
    const file = absolute(scenario.dataset.file);
    if (!indexes.has(file)) indexes.set(file, await indexDataset(file, options.onProgress));
  }
  const readers = new Map([...indexes].map(([file, index]) => [file, new RecordReader(index)]));

  const problems: ConfigProblem[] = [];
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
    const where = `scenarios[${i}]`;
    if (records === 0) problems.push({ path: `${where}.dataset.file`, message: `${file} holds no records` });
    else if (inputSize > records) problems.push({ path: `${where}.inputSize`, message: `is ${inputSize.toLocaleString('en-US')}, but ${file} holds only ${records.toLocaleString('en-US')} records` });
    else if (inputSize > MAX_INPUT_SIZE) {
      problems.push({ path: `${where}.inputSize`, message: `${file} holds ${records.toLocaleString('en-US')} records, more than one scenario may run (10,000,000): set inputSize, or split the file` });
    }
    const view =
      dataset.sample === 'random' && inputSize < records
        ? sampledRecords(reader, { seed: parsed.seed, scenario: scenario.name, size: inputSize, total: records })
        : firstRecords(reader, Math.min(inputSize, records));
    views.set(scenario.name, view);
    return { ...scenario, inputSize, dataset: { ...dataset, file, fingerprint } };
  });
  if (problems.length > 0) throw new ConfigError(source, problems);

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
