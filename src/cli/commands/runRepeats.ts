import { builtinSkill, loadSkillModule } from '../../actors/loadSkill.ts';
import { commandSkill } from '../../actors/commandSkill.ts';
import { loadAbSkill } from '../../ab/loadAbSkill.ts';
import type { Skill } from '../../actors/skill.ts';
import { createDurableOrchestration, resumeOrchestration, type DurableOrchestration } from '../../api/durableOrchestration.ts';
import { MAX_REPEATS, experimentRunId, experimentStatus, findExperimentRuns, loadExperiment, loadExperimentReport, newExperimentId, repeatConfig, repeatSeed, type StoredExperiment } from '../../api/experiments.ts';
import { defaultConfig } from '../../config/defaultConfig.ts';
import { loadConfigFile } from '../../config/loadConfigFile.ts';
import { validateConfig } from '../../config/parseConfig.ts';
import { openDatasets, type OpenedDatasets } from '../../data/openDatasets.ts';
import { ConfigError, ScenarioError, UsageError } from '../../errors.ts';
import { withoutCache } from '../../config/withoutCache.ts';
import type { OrchestrationConfig } from '../../config/schema.ts';
import { openStore } from '../../persistence/openStore.ts';
import type { SnapshotStore } from '../../persistence/SnapshotStore.ts';
import { buildExperimentReport, type ExperimentRepeat } from '../../report/experimentReport.ts';
import type { ExperimentReport } from '../../report/experimentSchema.ts';
import { followRun, terminalColumns, type Format } from '../driveInTerminal.ts';
import { ExitCode, leaseMsFrom, storeOptions, type CliIO } from '../io.ts';
import { rememberRunStore } from '../runIndex.ts';
import { datasetProgressLines, resolveRunInputs, withConcurrency, withWorkers, type RunOptions } from './run.ts';

/**
 * `scenarios run --repeat N`: the whole orchestration N times, one after another, each an ordinary durable run
 * `E.r<k>` of experiment E (src/api/experiments.ts), then the experiment report. Also `scenarios resume E`.
 */

/** What `--repeat` (or the config's `repeat`) asks for: the experiment to run, or undefined for one plain run. */
export interface ExperimentPlan {
  id: string;
  repeats: number;
  /** The experiment's seed: each repeat's own is derived from it (or is it, with sameData). */
  seed: number;
  sameData: boolean;
}

/** An experiment's run ids (`E.r100`) must still be valid ids, which have at most 64 characters. */
const MAX_EXPERIMENT_ID = 64 - `.r${MAX_REPEATS}`.length;

/** Something the experiment can report the end of and be judged on (the regression gate of --against / --fail-on). */
export interface ExperimentGate {
  prepare(store: SnapshotStore, config: OrchestrationConfig): Promise<void>;
  judge(store: SnapshotStore, finished: { kind: 'experiment'; id: string }, io: Pick<CliIO, 'stdout' | 'stderr'>, json: boolean, code: number): Promise<number>;
}

/**
 * What `scenarios run` is asked to do: an experiment of `--repeat N` (or the config's `repeat`) repeats, or
 * undefined for one plain run. Refuses a config that sets `experiment` (the run writes it) and `--same-data`
 * without repeats; `warn` hears about a config's `sameData` that one run ignores.
 */
export async function plannedExperiment(configPath: string | undefined, options: RunOptions, cwd: string, warn: (line: string) => void = () => undefined): Promise<ExperimentPlan | undefined> {
  const source = configPath ?? 'built-in default';
  const parsed = configPath === undefined ? validateConfig(defaultConfig, source) : await loadConfigFile(configPath, cwd);
  // Each repeat's stored config records where it belongs; a config file that claims it would make a plain run
  // (or every repeat) pose as a repeat of another experiment. Resume reads it from the store, not from here.
  if (parsed.experiment !== undefined) {
    throw new ConfigError(source, [{ path: 'experiment', message: 'is written by scenarios run --repeat into each repeat\'s stored config: remove it (set "repeat" to run an experiment)' }]);
  }
  const repeats = options.repeat ?? parsed.repeat ?? 1;
  if (repeats <= 1) {
    if (options.sameData) throw new UsageError('--same-data applies to repeats: use it with --repeat N (2 to 100), or leave it out for one run');
    if (parsed.sameData === true) warn(`sameData in ${source} is ignored: it applies to repeats, and this is one run (set "repeat" or --repeat N to 2 or more)`);
    return undefined;
  }
  if (options.inspect) throw new UsageError('--inspect watches one run: it cannot be used with --repeat (inspect a repeat afterwards with scenarios inspect <experiment>.r<k>)');
  if (options.format === 'html') throw new UsageError('--format html is one run\'s report: an experiment prints text, md or json (see each repeat with scenarios report <experiment>.r<k> --format html)');
  if (options.id !== undefined && options.id.length > MAX_EXPERIMENT_ID) throw new UsageError(`--id of an experiment must be at most ${MAX_EXPERIMENT_ID} characters, so its runs' ids (${options.id}.r${repeats}) stay within 64`);
  return { id: options.id ?? newExperimentId(), repeats, seed: options.seed ?? parsed.seed, sameData: options.sameData ?? parsed.sameData ?? false };
}

/** Prints the experiment report on stdout in `format` (text, md or json). */
export async function writeExperimentReport(io: Pick<CliIO, 'stdout'>, report: ExperimentReport, format: Format): Promise<void> {
  if (format === 'json') {
    io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return;
  }
  const { renderExperimentMarkdown, renderExperimentText } = await import('../../report/experimentRender.ts');
  if (format === 'md') {
    io.stdout.write(renderExperimentMarkdown(report));
    return;
  }
  const text = renderExperimentText(report);
  const columns = terminalColumns(io.stdout);
  if (columns === undefined) io.stdout.write(text);
  else io.stdout.write((await import('wrap-ansi')).default(text, columns, { hard: true, trim: false }));
}

/**
 * Ctrl+C / SIGTERM for the whole experiment: the repeat running is interrupted (paused and saved, as any run),
 * and no further repeat starts; one that comes between repeats stops the experiment before the next.
 */
class ExperimentStop {
  requested = false;
  #run: DurableOrchestration | undefined;
  readonly #onSignal = () => {
    this.requested = true;
    void this.#run?.interrupt();
  };

  constructor() {
    process.on('SIGINT', this.#onSignal);
    process.on('SIGTERM', this.#onSignal);
  }

  /** The repeat now running (undefined between repeats); one set up after a stop was asked for is interrupted at once. */
  async watch(run: DurableOrchestration | undefined): Promise<void> {
    this.#run = run;
    if (run && this.requested) await run.interrupt();
  }

  dispose(): void {
    process.off('SIGINT', this.#onSignal);
    process.off('SIGTERM', this.#onSignal);
  }
}

interface RepeatOutcome {
  code: number;
  repeat: ExperimentRepeat;
}

/** Follows one repeat to its end (starting it if `fresh`: a resumed one goes on by itself); `repeat` carries its report when it finished. */
async function followRepeat(run: DurableOrchestration, plan: ExperimentPlan, index: number, io: CliIO, stop: ExperimentStop, fresh: boolean): Promise<RepeatOutcome> {
  const order = run.config.scenarios.map((s) => s.name);
  io.stderr.write(`repeat ${index}/${plan.repeats}: orchestration ${run.id}, seed ${run.config.seed}, scenarios started in order ${order.join(' > ')}\n`);
  await stop.watch(run);
  if (fresh && !stop.requested) run.start();
  const followed = await followRun(run, io, { resumeId: plan.id });
  await stop.watch(undefined);
  const scenarios = run.config.scenarios.map((s) => ({ name: s.name, batchSize: s.skillParams.batchSize }));
  const status = followed.report ? (followed.code === ExitCode.ok ? 'complete' : 'failed') : 'paused';
  return { code: followed.code, repeat: { index, runId: run.id, seed: run.config.seed, status, report: followed.report ?? null, scenarios } };
}

/** An interrupted repeat, or one that could not go on (store, lease, an error), ends the experiment; failed scenarios do not. */
function stopsExperiment(code: number): boolean {
  return code !== ExitCode.ok && code !== ExitCode.scenarioFailed;
}

function stoppedBetween(plan: ExperimentPlan, next: number, io: CliIO): number {
  io.stderr.write(`paused: experiment ${plan.id} stopped before repeat ${next}/${plan.repeats}; scenarios resume ${plan.id} runs the rest\n`);
  return ExitCode.interrupted;
}

/** The experiment report, printed, and the exit code: 1 if a scenario failed in any repeat, else the gate's verdict. */
async function finish(store: SnapshotStore, plan: ExperimentPlan, repeats: ExperimentRepeat[], code: number, format: Format, io: CliIO, gate: ExperimentGate | undefined, scenarioOrder?: readonly string[]): Promise<number> {
  const report = buildExperimentReport({ experimentId: plan.id, seed: plan.seed, sameData: plan.sameData, repeats: plan.repeats, runs: repeats, ...(scenarioOrder ? { scenarioOrder } : {}) });
  await writeExperimentReport(io, report, format);
  return gate ? gate.judge(store, { kind: 'experiment', id: plan.id }, io, format === 'json', code) : code;
}

/**
 * Repeats exist to measure the skill: a batch taken from the cache measures nothing, so after repeat 1 a cached
 * scenario would have no time and no throughput. The cache is off for every repeat (in each stored config, so a
 * resume keeps it off), and stderr says so when the config had it on.
 */
function cacheOffLine(config: OrchestrationConfig, base: OrchestrationConfig, io: Pick<CliIO, 'stderr'>): void {
  // withoutCache keeps a scenario it leaves alone as it was, so a changed one is one whose cache it turned off.
  const turnedOff = config.scenarios.filter((s, i) => base.scenarios[i] !== s).map((s) => s.name);
  if (turnedOff.length === 0) return;
  io.stderr.write(`cacheEnabled is off in every repeat (scenario${turnedOff.length === 1 ? '' : 's'} ${turnedOff.join(', ')}): repeats measure the skill, and a batch taken from the cache would measure nothing after repeat 1\n`);
}

/** `scenarios run --repeat N`: runs every repeat in turn on one store, then prints the experiment report. */
export async function runRepeats(plan: ExperimentPlan, configPath: string | undefined, options: RunOptions, io: CliIO, gate?: ExperimentGate): Promise<number> {
  const store = await openStore(options.db, io.env, storeOptions(io));
  const stop = new ExperimentStop();
  try {
    if ((await store.load(plan.id)) || (await findExperimentRuns(store, plan.id)).length > 0) {
      throw new ScenarioError('usage', `"${plan.id}" already exists in ${store.description}; use scenarios resume ${plan.id}, or another --id`);
    }
    rememberRunStore(io.cwd, plan.id, options.db);
    io.stderr.write(`experiment ${plan.id}: ${plan.repeats} repeats, seed ${plan.seed}${plan.sameData ? ' for every repeat (same data)' : ' (each repeat\'s seed derived from it)'}, store ${store.description}\n`);
    const repeats: ExperimentRepeat[] = [];
    let worst: number = ExitCode.ok;
    let scenarioOrder: string[] | undefined;
    for (let index = 1; index <= plan.repeats; index++) {
      if (stop.requested) return stoppedBetween(plan, index, io);
      // Each repeat opens its inputs afresh: a random sample of a dataset file is drawn with the repeat's seed.
      const inputs = await resolveRunInputs(configPath, { ...options, seed: repeatSeed(plan.seed, index, plan.sameData) }, io.cwd, (line) => void io.stderr.write(`${line}\n`), datasetProgressLines(io));
      try {
        const base = withoutCache(withWorkers(withConcurrency(inputs.config, options.concurrency), options.workers));
        if (index === 1) {
          cacheOffLine(inputs.config, base, io);
          await gate?.prepare(store, base);
        }
        scenarioOrder ??= base.scenarios.map((s) => s.name);
        const run = await createDurableOrchestration(repeatConfig(base, plan, index), {
          store,
          ...(inputs.skill ? { skill: inputs.skill } : {}),
          ...(inputs.skillModule ? { skillModule: inputs.skillModule } : {}),
          datasets: inputs.datasets,
          id: experimentRunId(plan.id, index),
          ...leaseMsFrom(io.env),
        });
        rememberRunStore(io.cwd, run.id, options.db);
        const outcome = await followRepeat(run, plan, index, io, stop, true);
        repeats.push(outcome.repeat);
        if (stopsExperiment(outcome.code)) return outcome.code;
        worst = Math.max(worst, outcome.code);
      } finally {
        inputs.datasets.close();
        await inputs.commandSkill?.close();
        await inputs.abSkill?.close();
      }
    }
    return await finish(store, plan, repeats, worst, options.format, io, gate, scenarioOrder);
  } finally {
    stop.dispose();
    await store.close();
  }
}

/** The skill new repeats of a stored experiment run, loaded once: the one given, else the one its repeats recorded (both versions for A/B). */
async function storedSkill(store: SnapshotStore, experiment: StoredExperiment, config: OrchestrationConfig, given: Skill | undefined, cwd: string, skillStderr: (line: string) => void): Promise<{ skill: Skill; skillModule?: string; close(): Promise<void> }> {
  const none = () => Promise.resolve();
  if (given) return { skill: given, close: none };
  if (config.skills) {
    const ab = await loadAbSkill(config.skills, { cwd, stderr: skillStderr });
    return { skill: ab.skill, close: () => ab.close() };
  }
  const sibling = experiment.repeats.find((r) => r.status !== 'missing');
  const row = sibling ? await store.load(sibling.runId) : undefined;
  if (!row) throw new ScenarioError('snapshot_invalid', `cannot resume experiment "${experiment.id}": none of its repeats can be read`);
  if (row.skill.module) return { skill: await loadSkillModule(row.skill.module, cwd), skillModule: row.skill.module, close: none };
  if ('command' in config.skill) {
    const children = commandSkill(config.skill, { stderr: skillStderr });
    return { skill: children, close: () => children.close() };
  }
  return { skill: builtinSkill(row.skill.name), close: none };
}

/** A repeat not started yet, created from the experiment's config with its own seed and order (not started). */
async function createMissingRepeat(store: SnapshotStore, base: OrchestrationConfig, plan: ExperimentPlan, index: number, skill: { skill: Skill; skillModule?: string }, io: CliIO): Promise<{ run: DurableOrchestration; opened: OpenedDatasets }> {
  const opened = await openDatasets(repeatConfig(base, plan, index), { cwd: io.cwd, onProgress: datasetProgressLines(io) });
  try {
    const run = await createDurableOrchestration(opened.config, { store, skill: skill.skill, ...(skill.skillModule ? { skillModule: skill.skillModule } : {}), datasets: opened, id: experimentRunId(plan.id, index), ...leaseMsFrom(io.env) });
    return { run, opened };
  } catch (error) {
    opened.close();
    throw error;
  }
}

/**
 * `scenarios resume E`: finishes the repeat that was interrupted (as `scenarios resume E.r<k>` would) and runs
 * the repeats not started yet, then prints the experiment report. Repeats already finished are not run again.
 */
export async function resumeExperiment(experimentId: string, store: SnapshotStore, format: Format, given: Skill | undefined, io: CliIO): Promise<number> {
  if (format === 'html') throw new UsageError('--format html is one run\'s report: an experiment prints text, md or json');
  const experiment = await loadExperiment(store, experimentId);
  const base = experiment.baseConfig;
  if (!base) throw new ScenarioError('snapshot_invalid', `cannot resume experiment "${experimentId}": none of its repeats can be read`);
  const plan: ExperimentPlan = { id: experimentId, repeats: experiment.membership.of, seed: experiment.membership.seed, sameData: experiment.sameData };
  const skillStderr = (line: string) => void io.stderr.write(`${line}\n`);
  const stop = new ExperimentStop();
  let newRepeatSkill: Awaited<ReturnType<typeof storedSkill>> | undefined;
  try {
    const todo = experiment.repeats.filter((r) => r.status !== 'complete' && r.status !== 'failed').map((r) => r.index);
    io.stderr.write(`experiment ${experimentId} (resumed): ${todo.length === 0 ? 'every repeat has finished' : `repeat${todo.length === 1 ? '' : 's'} ${todo.join(', ')} of ${plan.repeats} to run`}\n`);
    const repeats: ExperimentRepeat[] = [];
    let worst: number = experiment.repeats.some((r) => r.status === 'failed') ? ExitCode.scenarioFailed : ExitCode.ok;
    for (const repeat of experiment.repeats) {
      if (!todo.includes(repeat.index)) {
        repeats.push(repeat);
        continue;
      }
      if (stop.requested) return stoppedBetween(plan, repeat.index, io);
      let run: DurableOrchestration;
      let opened: OpenedDatasets | undefined;
      if (repeat.status === 'missing') {
        newRepeatSkill ??= await storedSkill(store, experiment, base, given, io.cwd, skillStderr);
        ({ run, opened } = await createMissingRepeat(store, base, plan, repeat.index, newRepeatSkill, io));
      } else {
        // Stored and unfinished: resumed as `scenarios resume <id>.r<k>` would (its own stored skill and files).
        run = await resumeOrchestration(repeat.runId, { store, cwd: io.cwd, skillStderr, onDatasetProgress: datasetProgressLines(io), ...(given ? { skill: given } : {}), ...leaseMsFrom(io.env) });
      }
      try {
        const outcome = await followRepeat(run, plan, repeat.index, io, stop, repeat.status === 'missing');
        repeats.push(outcome.repeat);
        if (stopsExperiment(outcome.code)) return outcome.code;
        worst = Math.max(worst, outcome.code);
      } finally {
        opened?.close();
      }
    }
    return await finish(store, plan, repeats, worst, format, io, undefined, base.scenarios.map((s) => s.name));
  } finally {
    stop.dispose();
    await newRepeatSkill?.close();
  }
}

/** `scenarios report <experiment>`: the experiment report rebuilt from its stored repeats. */
export async function reportExperiment(store: SnapshotStore, experimentId: string, format: Format, io: CliIO): Promise<number> {
  if (format === 'html') throw new UsageError(`--format html is one run's report: an experiment prints text, md or json (or see a repeat: scenarios report ${experimentId}.r1 --format html)`);
  await writeExperimentReport(io, await loadExperimentReport(store, experimentId), format);
  return ExitCode.ok;
}

/** `scenarios status <experiment>`: each repeat's run id, seed and status (a run's own status: scenarios status <id>.r<k>). */
export async function statusExperiment(store: SnapshotStore, experimentId: string, json: boolean, io: CliIO): Promise<number> {
  const experiment = await loadExperiment(store, experimentId);
  const runs = experiment.repeats.map((r) => ({ index: r.index, runId: r.runId, seed: r.seed, status: r.status }));
  const status = experimentStatus(runs.map((r) => r.status));
  if (json) {
    io.stdout.write(`${JSON.stringify({ experimentId, status, repeats: experiment.membership.of, seed: experiment.membership.seed, sameData: experiment.sameData, runs }, null, 2)}\n`);
    return ExitCode.ok;
  }
  const unfinished = status === 'paused' || status === 'running';
  io.stdout.write(`experiment ${experimentId}: ${status}, ${runs.filter((r) => r.status === 'complete' || r.status === 'failed').length} of ${runs.length} repeats finished${unfinished ? ` (scenarios resume ${experimentId} runs the rest)` : ''}\n`);
  for (const r of runs) io.stdout.write(`  ${r.runId}  ${r.status}${r.seed === null ? '' : `  seed ${r.seed}`}\n`);
  return ExitCode.ok;
}
