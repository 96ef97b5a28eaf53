import { randomUUID } from 'node:crypto';
import { createActor, type Actor, type InspectionEvent, type Observer, type Snapshot } from 'xstate';
import { isAbRun, withAbReport } from '../ab/attachAbReport.ts';
import { isRemoteRun, withWorkersReport } from '../remote/workerReport.ts';
import { createAlarm } from '../actors/alarm.ts';
import type { BatchCache } from '../actors/batchCache.ts';
import type { BatchFold } from '../actors/batchFold.ts';
import { createBatchRunner, generatedItems, type ExecuteBatch, type ItemSource } from '../actors/batchRunner.ts';
import { skillReadiness } from '../actors/commandSkill.ts';
import { createConcurrencyLimit } from '../actors/concurrencyLimit.ts';
import type { InputItem } from '../actors/inputData.ts';
import { builtinSkill } from '../actors/loadSkill.ts';
import { SkillContainment } from '../actors/skillGuard.ts';
import { isolateForConfig, itemsWhenReady } from '../actors/workerSkill.ts';
import type { Skill } from '../actors/skill.ts';
import { parseConfig } from '../config/parseConfig.ts';
import { isFileDataset, type OrchestrationConfig, type OrchestrationConfigInput } from '../config/schema.ts';
import type { OpenedDatasets } from '../data/openDatasets.ts';
import { ScenarioError, UsageError, toError } from '../errors.ts';
import { orchestratorMachine, scenarioActorId, type OrchestratorOutput } from '../machines/orchestratorMachine.ts';
import { scenarioMachine } from '../machines/scenarioMachine.ts';
import { finishedProgress } from '../machines/finishedScenarios.ts';
import { planScenario } from '../machines/scenarioPlan.ts';
import { isBatchResultCache, storeBatchCache } from '../persistence/batchCacheStore.ts';
import { MemorySnapshotStore } from '../persistence/MemorySnapshotStore.ts';
import type { BatchJournal } from '../persistence/SnapshotStore.ts';
import { buildReport } from '../report/buildReport.ts';
import type { BarrierRecord, ProcessMemory, Report, RunOutcome, ScenarioProgress } from '../report/schema.ts';
import { EventChannel } from './eventChannel.ts';
import { ProcessMemoryPeak } from './processMemory.ts';
import type { ProgressEvent } from './progressEvents.ts';
import { withLeanFinish } from './leanFinish.ts';
import { ProgressTracker, statePath } from './progressTracker.ts';

const OUTAGE_ALARM_SLACK_MS = 20;

export type OrchestratorActor = Actor<typeof orchestratorMachine>;

/** `Row`: the items the skill takes, records of your dataset files (generated `{ id, value }` items by default). */
export interface OrchestrationOptions<Row = InputItem> {
  /** The skill to run; defaults to the built-in one the config names (`simulated`). */
  skill?: Skill<Row>;
  /** The config's dataset files, opened by openDatasets (pass its `config` as the config): where batches read their items. */
  datasets?: OpenedDatasets;
  /** Where each batch's items come from, instead of `datasets` (default: generated from the seed). */
  items?: ItemSource;
  /** Where batch results are journaled (default: in memory). */
  journal?: BatchJournal;
  /**
   * Earlier batch results, asked for scenarios with `cacheEnabled: true`. Default: kept in the journal's store
   * (every SnapshotStore has a cache table; the default in-memory journal's lasts as long as it does), so a
   * later run on the same store takes them. `false`: the cache is neither asked nor told; every batch runs.
   */
  cache?: BatchCache | false;
  /** Told when the cache could not be asked or told (the batch then runs, or its result is simply not kept). */
  onCacheError?: (error: Error) => void;
  /** Orchestration id; default `orch-` + 8 random hex digits. */
  id?: string;
  /**
   * Runs each batch's skill call elsewhere instead of in this process: `RemoteBatches.execute` (src/remote)
   * hands batches to `scenarios worker` processes. `skill` then only names the run (and keys its cache).
   */
  execute?: ExecuteBatch;
  /** An XState inspection observer that sees every actor, event and snapshot of the run. */
  inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void);
  /** @internal clock for stamping events (tests) */
  now?: () => number;
  /** @internal a persisted snapshot to restore instead of starting afresh (see resumeOrchestration) */
  snapshot?: Snapshot<unknown>;
  /** @internal with `snapshot`: how long the process was down since it was saved (sent as `clock.resumed`) */
  downtimeMs?: number;
  /**
   * @internal when the store became unreachable, while it is (else undefined): alarms hold off and events
   * are stamped at that time (the clock stands still); when it is back, the caller sends `clock.resumed`
   * with the outage's length
   */
  outageSince?: () => number | undefined;
  /** @internal called after any actor of the tree changed (drives snapshot persistence) */
  onChange?: () => void;
  /** @internal called when a batch runner stops for a reason outside the skill (the journal failed or was refused) */
  onRunnerError?: (error: Error) => void;
  /**
   * @internal called when an error escapes the skill's batches while the run is driven (see skillGuard.ts);
   * by default the run stops and `result` rejects with it
   */
  onEscape?: (error: Error) => void;
}

export interface Orchestration<Row = InputItem> {
  readonly id: string;
  readonly config: OrchestrationConfig;
  readonly skill: Skill<Row>;
  /** The root XState actor (the orchestrator); scenario actors are its children `scenario:<name>`. */
  readonly actor: OrchestratorActor;
  /** Resolves with the comparison report when every scenario is complete or failed. */
  readonly result: Promise<Report>;
  /** Starts every scenario. Calling it twice does nothing. */
  start(): void;
  /** Pauses one scenario, or all: no new batch starts; a batch in flight finishes first. */
  pause(scenario?: string): void;
  resume(scenario?: string): void;
  /** Ends every scenario that is still live, as failed with reason `cancelled`. */
  cancel(): void;
  /** Current progress of every scenario, in config order. */
  progress(): ScenarioProgress[];
  /** Barriers so far: open ones with who has arrived and when they time out (ms since the start), and released ones. */
  barriers(): { open: { milestone: number; arrivals: { scenario: string; elapsedMs: number }[]; deadlineMs: number }[]; released: BarrierRecord[] };
  subscribe(listener: (event: ProgressEvent) => void): () => void;
  /**
   * The progress stream as an async iterable. The first iterator starts with each scenario's state when the
   * orchestration was created, then every event since, wherever the loop stands relative to `start()`
   * (events are kept for it until 10,000 have passed). Later iterators, and a first one opened after that,
   * start with each scenario's current state, then live events.
   */
  [Symbol.asyncIterator](): AsyncIterableIterator<ProgressEvent>;
}

/**
 * Sets up an orchestration: one scenario actor per config entry under an orchestrator actor.
 * Nothing runs until `start()`.
 * @example
 * ```ts
 * const run = createOrchestration(defaultConfig, { skill: mySkill });
 * run.subscribe((e) => e.type === 'milestone.reached' && console.log(e.scenario, e.milestone));
 * run.start();
 * const report = await run.result;
 * ```
 */
export function createOrchestration<Row = InputItem>(configInput: OrchestrationConfigInput | OrchestrationConfig, options: OrchestrationOptions<Row> = {}): Orchestration<Row> {
  const config = parseConfig(configInput);
  // A built-in skill takes generated items; the caller's own Row is theirs to match with their data.
  const skill = options.skill ?? (resolveConfiguredSkill(config) as unknown as Skill<Row>);
  const items = options.items ?? options.datasets?.items;
  const unread = config.scenarios.filter((s) => isFileDataset(s.dataset)).map((s) => `"${s.name}"`);
  if (items === undefined && unread.length > 0) {
    throw new UsageError(`scenario${unread.length > 1 ? 's' : ''} ${unread.join(', ')} read${unread.length > 1 ? '' : 's'} a dataset file, but no datasets were given: const datasets = await openDatasets(config); createOrchestration(datasets.config, { skill, datasets })`);
  }
  const id = options.id ?? `orch-${randomUUID().slice(0, 8)}`;
  const now = options.now ?? Date.now;
  const journal = options.journal ?? new MemorySnapshotStore();
  // Keyed by the skill the user gave (not a worker-thread wrapper of it): its name and version are in every key.
  const cache = options.cache === false ? undefined : (options.cache ?? (isBatchResultCache(journal) ? storeBatchCache(journal, skill) : undefined));
  const channel = new EventChannel<ProgressEvent>();
  const tracker = new ProgressTracker((event) => channel.publish(event));
  const onChange = options.onChange;

  // Alarms push their deadlines back by the downtime added since they were armed. On a restore they start
  // inside actor.start(), before clock.resumed reaches the machines, so the gap counts from the outset.
  let pendingDowntimeMs = options.snapshot ? Math.max(0, options.downtimeMs ?? 0) : 0;
  const tree: { root?: OrchestratorActor } = {};
  // An outage of the store going on now counts as downtime already, so no alarm fires during it (a few
  // ms more than so far: an alarm due just after it began re-checks every few ms, not every one). Events
  // meanwhile are stamped at its start, so none gets the outage added twice when clock.resumed adds it.
  const outageSince = options.outageSince ?? (() => undefined);
  const ongoingOutageMs = () => {
    const since = outageSince();
    return since === undefined ? 0 : Math.max(0, now() - since) + OUTAGE_ALARM_SLACK_MS;
  };
  // Never before an earlier stamp, though: the outage's start is known only once a call has failed, and a
  // batch stamped as started after it must not be stamped as finished before it started.
  let lastStamp = -Infinity;
  const stamp = () => {
    const since = outageSince();
    lastStamp = since === undefined ? now() : Math.max(lastStamp, Math.min(now(), since));
    return lastStamp;
  };
  const alarm = createAlarm(now, () => (tree.root?.getSnapshot().context.downtimeMs ?? 0) + pendingDowntimeMs + ongoingOutageMs());
  const containment = new SkillContainment();
  const liveFolds = new Set<BatchFold>();
  // Scenarios with `isolation: "worker"` run the skill in worker threads of their own, which live as long as the tree.
  // Remote batches run the skill on the workers: nothing of it starts here.
  const isolated = options.execute ? undefined : isolateForConfig(skill, config);
  // A command skill's child (one per scenario) is ready once it has answered a warm-up request (commandSkill.ts).
  const commandReady = isolated || options.execute ? undefined : skillReadiness(skill);
  const processMemory = new ProcessMemoryPeak();
  const runnerExtras = {
    // One limit for the whole orchestration: `maxConcurrency` bounds batches in flight across its scenarios.
    ...(config.maxConcurrency !== undefined ? { limit: createConcurrencyLimit(config.maxConcurrency) } : {}),
    ...(cache ? { cache } : {}),
    ...(options.onCacheError ? { onCacheError: options.onCacheError } : {}),
    ...(items ? { items } : {}),
    // An isolated scenario's items wait for its worker, a command skill's for its child, so neither start is a batch's busy time.
    ...(isolated ? { items: itemsWhenReady(items ?? generatedItems, isolated) } : {}),
    ...(commandReady ? { items: itemsWhenReady(items ?? generatedItems, { ready: commandReady }) } : {}),
    ...(options.onRunnerError ? { onRunnerError: options.onRunnerError } : {}),
    // A remote batch's worker goes into its `batch.settled` event.
    ...(options.execute ? { execute: options.execute, onBatchWorker: (scenario: string, index: number, worker: string) => tracker.batchWorker(scenario, index, worker) } : {}),
  };
  // Scenarios whose event the root is handling (their arrival, their finish): see the root subscriber.
  const reporting = new Set<string>();
  const machine = orchestratorMachine.provide({
    actions: { scenarioReported: (_, params) => void reporting.add(scenarioActorId(params.scenario)) },
    actors: {
      alarm,
      scenario: scenarioMachine.provide({ actors: { alarm, batchRunner: createBatchRunner({ skill: isolated ?? skill, journal, now: stamp, containment, onFolded: (scenario, each) => tracker.batchesFolded(scenario, each), liveFolds, ...runnerExtras }) } }),
    },
  });
  const plans = config.scenarios.map((definition) =>
    planScenario({ orchestrationId: id, definition, seed: config.seed, milestones: config.milestones, barriers: config.barriers.at, retry: config.retry, skillParams: config.skill.params }),
  );
  const actor = createActor(withLeanFinish(machine), {
    id: 'orchestrator',
    input: { orchestrationId: id, plans, barrierTimeoutMs: config.barriers.timeoutMs },
    ...(options.snapshot ? { snapshot: options.snapshot } : {}),
    // System-wide inspection costs every event a few objects; progress and persistence subscribe to the
    // actors instead (bench/perBatch.ts), so inspection is on only when the caller asks for it.
    ...(options.inspect ? { inspect: options.inspect } : {}),
  });

  // Root subscribers do not hear child-only changes, so each scenario actor is watched on its own. The
  // children map is a new object only when an actor is spawned or stopped (all scenarios at once, a
  // barrier's alarm), so it is scanned then, not on every change of the root.
  const watched = new Set<string>();
  let childrenSeen: unknown;
  const watchScenarios = () => {
    const children = actor.getSnapshot().children;
    if (children === childrenSeen) return;
    childrenSeen = children;
    for (const [childId, child] of Object.entries(children)) {
      if (!child || watched.has(childId) || !childId.startsWith('scenario:')) continue;
      watched.add(childId);
      child.subscribe({
        next: (snapshot) => {
          tracker.observeScenario(childId, snapshot);
          onChange?.();
        },
        error: () => undefined,
      });
    }
  };

  const progress = (): ScenarioProgress[] => {
    const snapshot = actor.getSnapshot();
    return config.scenarios.flatMap((s) => {
      const finished = finishedProgress(snapshot.context.finished, s.name);
      if (finished) return [finished];
      const child = snapshot.children[scenarioActorId(s.name)] as { getSnapshot(): { context: { progress: ScenarioProgress } } } | undefined;
      return child ? [child.getSnapshot().context.progress] : [];
    });
  };

  let failRun!: (error: Error) => void;
  const result = new Promise<Report>((resolve, reject) => {
    failRun = (error) => {
      channel.end(error);
      reject(error);
    };
    actor.subscribe({
      next: (snapshot) => {
        // The root changes inside a scenario's transition (its arrival, its finish) before that scenario's
        // own subscribers hear of it: report that scenario's news first, so the stream stays in causal
        // order. The machine names it (scenarioReported), so no other scenario is looked at.
        for (const childId of reporting) {
          const child = watched.has(childId) ? (snapshot.children[childId] as { getSnapshot(): Snapshot<unknown> } | undefined) : undefined;
          if (child) tracker.observeScenario(childId, child.getSnapshot());
        }
        reporting.clear();
        tracker.observeOrchestrator(snapshot);
        onChange?.();
        watchScenarios();
      },
      // Deferred: the root completes inside the last scenario's transition, before that scenario's own
      // final snapshot reaches the inspector; ending the stream at once would drop its last events.
      complete: () => queueMicrotask(() => {
        const finish = (report: Report) => {
          channel.publish({ type: 'orchestration.finished', report });
          channel.end();
          resolve(report);
        };
        const fail = (error: unknown) => {
          channel.end(toError(error));
          reject(toError(error));
        };
        try {
          const output = actor.getSnapshot().output;
          if (!output) throw new ScenarioError('internal', 'orchestration finished without output');
          const report = buildReport(toOutcome(id, skill, output, processMemory.peak()), config);
          // An A/B run's comparison is read from the journal, where every batch keeps both versions' figures;
          // so are a remote run's per-worker figures, from the worker each row names.
          const remote = options.execute !== undefined || isRemoteRun(config);
          if (isAbRun(skill) || remote) {
            (async () => {
              const withAb = isAbRun(skill) ? await withAbReport(report, config, journal, skill) : report;
              return remote ? await withWorkersReport(withAb, config, journal) : withAb;
            })().then(finish, fail);
          } else finish(report);
        } catch (error) {
          fail(error);
        }
      }),
      error: (error) => {
        channel.end(toError(error));
        reject(toError(error));
      },
    });
  });
  // The caller may never await `result`; a failed run must not become an unhandled rejection.
  result.catch(() => undefined);

  tree.root = actor;
  // From here until the tree stops, a skill's exit attempt is refused and its stray rejections fail its batch.
  const releaseGuard = containment.guard(
    options.onEscape ??
      ((error) => {
        failRun(error);
        actor.stop();
      }),
  );
  actor.subscribe({ complete: releaseGuard, error: releaseGuard });
  const releaseResources = () => {
    processMemory.stop();
    void isolated?.close();
  };
  actor.subscribe({ complete: releaseResources, error: releaseResources });
  processMemory.start();
  actor.start();
  watchScenarios();
  if (actor.getSnapshot().status === 'error') {
    releaseGuard();
    releaseResources();
    throw new ScenarioError('snapshot_invalid', `orchestration "${id}" could not be restored: ${toError(actor.getSnapshot().error).message}`);
  }
  if (options.snapshot) {
    // Elapsed times and every deadline (time budget, retry, barrier timeout) exclude the time down.
    const downtimeMs = pendingDowntimeMs;
    pendingDowntimeMs = 0;
    actor.send({ type: 'clock.resumed', at: now(), downtimeMs });
  }

  /** One `scenario.state` per scenario, as it stands now: where an iterator that missed the start begins. */
  const currentStates = (): ProgressEvent[] => {
    const snapshot = actor.getSnapshot();
    return progress().map((p): ProgressEvent => {
      const child = snapshot.children[scenarioActorId(p.name)] as { getSnapshot(): { value: unknown } } | undefined;
      return { type: 'scenario.state', scenario: p.name, state: child ? statePath(child.getSnapshot().value) : p.status, progress: p };
    });
  };
  // The first iterator starts here, whenever it is opened: the state now, then every event (bounded).
  channel.seedBacklog(currentStates());

  const names = new Set(config.scenarios.map((s) => s.name));
  const checkName = (scenario: string | undefined) => {
    if (scenario !== undefined && !names.has(scenario)) throw new UsageError(`unknown scenario "${scenario}" (scenarios: ${[...names].join(', ')})`);
  };

  return {
    id,
    config,
    skill,
    actor,
    result,
    start: () => actor.send({ type: 'orchestration.start', at: stamp() }),
    pause: (scenario) => {
      checkName(scenario);
      if (actor.getSnapshot().value === 'ready') throw new UsageError('pause() before start(): nothing is running yet');
      actor.send({ type: 'orchestration.pause', at: stamp(), ...(scenario !== undefined ? { scenario } : {}) });
    },
    resume: (scenario) => {
      checkName(scenario);
      actor.send({ type: 'orchestration.resume', at: stamp(), ...(scenario !== undefined ? { scenario } : {}) });
    },
    cancel: () => {
      // Called from inside a skill's call, batches counted in this turn are still folded: count them first.
      for (const fold of liveFolds) fold.flush();
      actor.send({ type: 'orchestration.cancel', at: stamp() });
    },
    progress,
    barriers: () => {
      const { book, startedAt } = actor.getSnapshot().context;
      return {
        open: book.open.map((b) => ({
          milestone: b.milestone,
          arrivals: b.arrivals.map(([scenario, at]) => ({ scenario, elapsedMs: at - (startedAt ?? at) })),
          // When the barrier's timeout releases it, on the same axis (downtime after a restore included).
          deadlineMs: b.deadline - (startedAt ?? b.openedAt),
        })),
        released: book.released,
      };
    },
    subscribe: (listener) => channel.subscribe(listener),
    [Symbol.asyncIterator]: () => channel.iterate(currentStates),
  };
}

/** The built-in skill a config names; a module must be loaded by the caller (loadSkillModule) and passed in. */
export function resolveConfiguredSkill(config: OrchestrationConfig): Skill {
  if (config.skills) throw new UsageError('the config names two skills (A/B): load them with loadAbSkill(config.skills) and pass { skill }');
  const ref = config.skill;
  if ('module' in ref) throw new UsageError(`the config names skill module "${ref.module}": load it with loadSkillModule() and pass { skill }`);
  if ('command' in ref) throw new UsageError(`the config names skill command ${JSON.stringify(ref.command)}: start it with commandSkill() and pass { skill }`);
  return builtinSkill(ref.name);
}

/** `processMemory`: the peaks the driving process sampled (none for a report rebuilt from the store). */
export function toOutcome(orchestrationId: string, skill: Pick<Skill, 'name' | 'version'>, output: OrchestratorOutput, processMemory?: ProcessMemory): RunOutcome {
  return {
    orchestrationId,
    skill: { name: skill.name, version: skill.version },
    startedAt: output.startedAt,
    finishedAt: output.finishedAt,
    downtimeMs: output.downtimeMs,
    ...(processMemory ? { process: processMemory } : {}),
    scenarios: output.scenarios,
    barriers: output.barriers,
  };
}
