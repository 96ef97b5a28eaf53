import { resolve } from 'node:path';
import { parse as parseShellWords } from 'shell-quote';
import { createDurableOrchestration } from '../../api/durableOrchestration.ts';
import { parseExperimentRunId } from '../../api/experiments.ts';
import { commandSkill, type CommandSkill } from '../../actors/commandSkill.ts';
import { loadSkillModule } from '../../actors/loadSkill.ts';
import type { Skill } from '../../actors/skill.ts';
import { defaultConfig } from '../../config/defaultConfig.ts';
import { loadConfigFile } from '../../config/loadConfigFile.ts';
import { parseConfig, validateConfig } from '../../config/parseConfig.ts';
import { SkillRefSchema, type OrchestrationConfig, type ParsedConfig, type SkillRef } from '../../config/schema.ts';
import type { DatasetProgress } from '../../data/datasetIndex.ts';
import { openDatasets, type OpenedDatasets } from '../../data/openDatasets.ts';
import { withoutCache } from '../../config/withoutCache.ts';
import { UsageError } from '../../errors.ts';
import { abSkillRefs, parseAbSkillOptions, type AbCliSkills } from '../../ab/abCliOptions.ts';
import { loadAbSkill, withoutAb, type LoadedAbSkill } from '../../ab/loadAbSkill.ts';
import { openStore } from '../../persistence/openStore.ts';
import { rememberRunStore } from '../runIndex.ts';
import { leaseMsFrom, storeOptions, type CliIO } from '../io.ts';
import { driveInTerminal, parseFormat, type Format } from '../driveInTerminal.ts';
import { parseInspectOption, startRunInspection, type InspectMode, type RunInspection } from '../inspectRun.ts';
import { skillLabel } from '../../ab/skillLabel.ts';

export interface RunOptions {
  skill?: string;
  /** `--skill-command`, as words. */
  skillCommand?: string[];
  seed?: number;
  format: Format;
  id?: string;
  db?: string;
  /** `--concurrency`: batches in flight across all scenarios, in place of the config's maxConcurrency. */
  concurrency?: number;
  inspect?: InspectMode;
  /** `--no-cache`: no batch taken from the cache or stored in it, whatever the config's cacheEnabled. */
  cache?: false;
  /** `--repeat N`: N runs of one experiment, in place of the config's `repeat` (runRepeats.ts). */
  repeat?: number;
  /** `--same-data`: every repeat on the config's seed. */
  sameData?: true;
  /** `--skill` or `--skill-command` given twice: an A/B run of the two (src/ab). */
  ab?: AbCliSkills;
  /** `--workers local|remote`: the config's execution.mode. */
  workers?: 'local' | 'remote';
}

export function parseRunOptions(raw: Record<string, unknown>): RunOptions {
  const ab = parseAbSkillOptions(raw.skill, raw.skillCommand, (words) => parseSkillCommandOption(words));
  if (ab) return { ...parseRunOptions({ ...raw, skill: undefined, skillCommand: undefined }), ab };
  const format = parseFormat(raw);
  if (raw.skill !== undefined && (typeof raw.skill !== 'string' || raw.skill === '')) throw new UsageError('--skill needs a module path');
  if (raw.id !== undefined && (typeof raw.id !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(raw.id))) {
    throw new UsageError('--id must be 1-64 letters, digits, "_", "." or "-", starting with a letter or digit');
  }
  // `E.r3` is repeat 3 of experiment E (src/api/experiments.ts): a run of its own under such an id would be counted as one.
  if (typeof raw.id === 'string' && parseExperimentRunId(raw.id) !== undefined) {
    throw new UsageError(`--id ${raw.id}: ids ending in ".r<number>" are the runs of an experiment (scenarios run --repeat names them E.r1, E.r2, …); choose another`);
  }
  if (raw.db !== undefined && (typeof raw.db !== 'string' || raw.db === '')) throw new UsageError('--db needs a value: postgres://…, memory, or a folder');
  const inspect = parseInspectOption(raw.inspect);
  const skillCommand = parseSkillCommandOption(raw.skillCommand);
  if (skillCommand && raw.skill !== undefined) throw new UsageError('--skill and --skill-command name two different skills: use one of them');
  let seed: number | undefined;
  if (raw.seed !== undefined) {
    seed = Number(raw.seed);
    if (!Number.isSafeInteger(seed)) throw new UsageError(`--seed must be an integer (got ${JSON.stringify(raw.seed)})`);
  }
  let repeat: number | undefined;
  if (raw.repeat !== undefined) {
    repeat = Number(raw.repeat);
    if (!Number.isSafeInteger(repeat) || repeat < 1 || repeat > 100) throw new UsageError(`--repeat must be an integer from 1 to 100 (got ${JSON.stringify(raw.repeat)})`);
  }
  if (raw.workers !== undefined && raw.workers !== 'local' && raw.workers !== 'remote') {
    throw new UsageError(`--workers must be local or remote (got ${JSON.stringify(raw.workers)})`);
  }
  let concurrency: number | undefined;
  if (raw.concurrency !== undefined) {
    concurrency = Number(raw.concurrency);
    if (!Number.isSafeInteger(concurrency) || concurrency < 1) throw new UsageError(`--concurrency must be a positive integer (got ${JSON.stringify(raw.concurrency)})`);
  }
  return {
    format,
    ...(typeof raw.skill === 'string' ? { skill: raw.skill } : {}),
    ...(skillCommand ? { skillCommand } : {}),
    ...(seed !== undefined ? { seed } : {}),
    ...(concurrency !== undefined ? { concurrency } : {}),
    ...(typeof raw.id === 'string' ? { id: raw.id } : {}),
    ...(typeof raw.db === 'string' ? { db: raw.db } : {}),
    ...(inspect ? { inspect } : {}),
    // cac sets `cache` to false for --no-cache (and true otherwise).
    ...(raw.cache === false ? { cache: false as const } : {}),
    ...(repeat !== undefined ? { repeat } : {}),
    ...(raw.sameData === true ? { sameData: true as const } : {}),
    ...(raw.workers === 'local' || raw.workers === 'remote' ? { workers: raw.workers } : {}),
  };
}

/**
 * `--skill-command "python3 my_skill.py"` as the words a shell would pass (quotes, escapes, $VARS from the
 * environment); shell syntax that needs a shell (pipes, redirections, globs) is refused.
 */
export function parseSkillCommandOption(raw: unknown, env: NodeJS.ProcessEnv = process.env): string[] | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || raw.trim() === '') throw new UsageError('--skill-command needs a program and its arguments, e.g. --skill-command "python3 my_skill.py"');
  const unset = new Set<string>();
  const words = parseShellWords(raw, (name: string) => {
    const value = env[name];
    if (value === undefined) unset.add(name);
    return value ?? '';
  });
  const syntax = words.find((word) => typeof word !== 'string');
  if (syntax !== undefined) {
    const what = 'op' in syntax ? (syntax.op === 'glob' ? syntax.pattern : syntax.op) : `#${syntax.comment}`;
    throw new UsageError(`--skill-command runs one program with its arguments, without a shell, so ${JSON.stringify(what)} cannot be used; for shell syntax run a shell: --skill-command "bash -c '…'"`);
  }
  const args = words as string[];
  const empty = args.findIndex((word) => word === '');
  if (empty !== -1) {
    const why = unset.size > 0 ? ` (${[...unset].map((name) => `$${name}`).join(', ')} ${unset.size > 1 ? 'are' : 'is'} not set)` : '';
    throw new UsageError(`--skill-command: ${empty === 0 ? 'the program' : `argument ${empty}`} is empty${why}; every word must be a non-empty string`);
  }
  return args;
}

/** `--skill-command` in place of the config's skill (keeping its params and cancelGraceMs), run from `cwd`. */
function commandRef(command: string[], configured: SkillRef, cwd: string): SkillRef {
  return SkillRefSchema.parse({
    command,
    cwd,
    ...('command' in configured ? { cancelGraceMs: configured.cancelGraceMs } : {}),
    ...(configured.params ? { params: configured.params } : {}),
  });
}

/** The config with `--concurrency` as its maxConcurrency, stored with the run so a resume keeps the bound. */
export function withConcurrency(config: OrchestrationConfig, concurrency: number | undefined): OrchestrationConfig {
  return concurrency === undefined ? config : { ...config, maxConcurrency: concurrency };
}

/** The config with `--workers` as its execution mode, stored with the run so a resume runs its batches the same way. */
export function withWorkers(config: OrchestrationConfig, workers: 'local' | 'remote' | undefined): OrchestrationConfig {
  return workers === undefined ? config : parseConfig({ ...config, execution: { mode: workers } });
}

export async function resolveRunInputs(
  configPath: string | undefined,
  options: Pick<RunOptions, 'seed' | 'skill' | 'skillCommand' | 'cache' | 'ab'>,
  cwd: string,
  skillStderr?: (line: string) => void,
  onDatasetProgress?: (progress: DatasetProgress) => void,
): Promise<{ config: OrchestrationConfig; datasets: OpenedDatasets; skill?: Skill; skillModule?: string; commandSkill?: CommandSkill; abSkill?: LoadedAbSkill }> {
  let parsed: ParsedConfig = configPath === undefined ? validateConfig(defaultConfig, 'built-in default') : await loadConfigFile(configPath, cwd);
  // Before the files are opened: a random sample of a file is seeded by the seed.
  if (options.seed !== undefined) parsed = { ...parsed, seed: options.seed };
  // Every record is validated (and counted) before anything runs; the files stay open for the run's batches.
  const datasets = await openDatasets(parsed, { cwd, source: configPath ?? 'built-in default', ...(onDatasetProgress ? { onProgress: onDatasetProgress } : {}) });
  let config = datasets.config;
  // In the stored config too, so a resume of this run keeps the cache off.
  if (options.cache === false) config = withoutCache(config);
  // A/B (src/ab): two skills from the command line or the config's `skills`, kept in the stored config for resume;
  // one skill named on the command line runs alone.
  if (options.ab) config = { ...config, skills: abSkillRefs(options.ab, cwd) };
  else if (config.skills && (options.skill !== undefined || options.skillCommand)) config = withoutAb(config);
  if (config.skills) {
    const ab = await loadAbSkill(config.skills, { cwd, ...(skillStderr ? { stderr: skillStderr } : {}) });
    return { config, datasets, skill: ab.skill, abSkill: ab };
  }
  // Kept in the config the run stores, so `resume` starts the same command again.
  if (options.skillCommand) config = { ...config, skill: commandRef(options.skillCommand, config.skill, cwd) };
  if (options.skill === undefined && 'command' in config.skill) {
    const skill = commandSkill(config.skill, { cwd, ...(skillStderr ? { stderr: skillStderr } : {}) });
    return { config, datasets, skill, commandSkill: skill };
  }
  const modulePath = options.skill ?? ('module' in config.skill ? config.skill.module : undefined);
  if (modulePath === undefined) return { config, datasets };
  const skill = await loadSkillModule(modulePath, cwd);
  return { config, datasets, skill, skillModule: resolve(cwd, modulePath) };
}

export async function runCommand(configPath: string | undefined, raw: Record<string, unknown>, io: CliIO): Promise<number> {
  const options = parseRunOptions(raw);
  // --against / --fail-on (src/compare/gate.ts), parsed before anything runs; loaded only when asked for.
  const gate = raw.against !== undefined || raw.failOn !== undefined ? (await import('../../compare/gate.ts')).RegressionGate.fromOptions(raw) : undefined;
  // --repeat N (or the config's repeat): N ordinary stored runs of one experiment, then the experiment report.
  const repeats = await import('./runRepeats.ts');
  const experiment = await repeats.plannedExperiment(configPath, options, io.cwd, (line) => void io.stderr.write(`${line}\n`));
  if (experiment) return repeats.runRepeats(experiment, configPath, options, io, gate);
  const { config, datasets, skill, skillModule, commandSkill: children, abSkill } = await resolveRunInputs(configPath, options, io.cwd, (line) => void io.stderr.write(`${line}\n`), datasetProgressLines(io));
  // A command skill starts its children on the first batch, so nothing runs yet if the store cannot be opened.
  const store = await openStore(options.db, io.env, storeOptions(io));
  let inspection: RunInspection | undefined;
  try {
    await gate?.prepare(store, config);
    inspection = options.inspect ? await startRunInspection(options.inspect, io) : undefined;
    const run = await createDurableOrchestration(withWorkers(withConcurrency(config, options.concurrency), options.workers), {
      store,
      ...(skill ? { skill } : {}),
      ...(skillModule ? { skillModule } : {}),
      datasets,
      ...(options.id ? { id: options.id } : {}),
      ...leaseMsFrom(io.env),
      ...(inspection?.inspect ? { inspect: inspection.inspect } : {}),
    });
    rememberRunStore(io.cwd, run.id, options.db);
    // The id comes first (on stderr: stdout is for the report only), so a user who has to interrupt the run knows what to resume.
    io.stderr.write(`orchestration ${run.id}\n`);
    io.stderr.write(`skill ${skillLabel(run.skill)}, ${config.scenarios.length} scenario(s), seed ${config.seed}, store ${store.description}\n`);
    inspection?.attach(run);
    run.start();
    const driven = await driveInTerminal(run, options.format, io);
    // The gate judges what just finished: this run (an experiment of --repeat N passes { kind: 'experiment', id }).
    const code = gate ? await gate.judge(store, { kind: 'run', id: run.id }, io, options.format === 'json', driven) : driven;
    // With --inspect, a finished run stays on view until Ctrl+C.
    await inspection?.holdOpen(run);
    return code;
  } finally {
    datasets.close();
    await children?.close();
    await abSkill?.close();
    await inspection?.close();
    await store.close();
  }
}

/** Files this big get a line on stderr about every 10 % while they are validated (smaller ones take a moment). */
const PROGRESS_FROM_BYTES = 64 * 1024 * 1024;

/** `reading items.jsonl: 40% (820 MB of 2.0 GB, 4,100,000 records)`: a big file's validation is visibly under way. */
export function datasetProgressLines(io: Pick<CliIO, 'stderr'>): (progress: DatasetProgress) => void {
  const told = new Map<string, number>();
  const mb = (bytes: number) => (bytes >= 1024 ** 3 ? `${(bytes / 1024 ** 3).toFixed(1)} GB` : `${Math.round(bytes / 1024 ** 2)} MB`);
  return ({ file, bytesRead, bytesTotal, records, done }) => {
    if (bytesTotal < PROGRESS_FROM_BYTES) return;
    // 0 % to 90 %, then the line saying it is done (a 100 % line would only repeat it).
    const tenth = done ? 10 : Math.min(9, Math.floor((bytesRead / bytesTotal) * 10));
    if ((told.get(file) ?? -1) >= tenth) return;
    told.set(file, tenth);
    const what = done ? `${records.toLocaleString('en-US')} records, ${mb(bytesTotal)}, all valid` : `${tenth * 10}% (${mb(bytesRead)} of ${mb(bytesTotal)}, ${records.toLocaleString('en-US')} records)`;
    io.stderr.write(`reading ${file}: ${what}\n`);
  };
}
