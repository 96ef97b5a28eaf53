import type { InspectionEvent, Snapshot } from 'xstate';
import { loadAbSkill } from '../ab/loadAbSkill.ts';
import { labelsOf, skillLabel } from '../ab/skillLabel.ts';
import type { ExecuteBatch, ItemSource } from '../actors/batchRunner.ts';
import type { InputItem } from '../actors/inputData.ts';
import { commandSkill, type CommandSkill } from '../actors/commandSkill.ts';
import { builtinSkill, loadSkillModule } from '../actors/loadSkill.ts';
import type { Skill } from '../actors/skill.ts';
import { parseConfig, validateConfig } from '../config/parseConfig.ts';
import { isFileDataset, type OrchestrationConfig, type OrchestrationConfigInput } from '../config/schema.ts';
import type { DatasetProgress } from '../data/datasetIndex.ts';
import { openDatasets, type OpenedDatasets } from '../data/openDatasets.ts';
import { ConfigError, ScenarioError, toError } from '../errors.ts';
import { persistedSnapshotProblems } from '../machines/persistedSnapshotSchema.ts';
import { MACHINE_VERSION } from '../machines/version.ts';
import { DEFAULT_LEASE_MS, LeaseKeeper, newOwnerId, type LeaseKeeperOptions } from '../persistence/leaseKeeper.ts';
import { SnapshotWriter, type SnapshotWriterStats } from '../persistence/snapshotWriter.ts';
import type { OrchestrationStatus, SnapshotStore, StoreOutageEvent, StoredOrchestration } from '../persistence/SnapshotStore.ts';
import { XSTATE_VERSION, sameMinor } from '../persistence/versions.ts';
import type { Report } from '../report/schema.ts';
import { createOrchestration, resolveConfiguredSkill, type Orchestration, type OrchestrationOptions } from './createOrchestration.ts';
import { watchDurableChanges } from './durableChanges.ts';

/** How a durable run ended for this process. */
export type DurableOutcome =
  | { kind: 'finished'; report: Report }
  /** Paused and persisted on request (Ctrl+C, SIGTERM): resume later. */
  | { kind: 'interrupted' }
  /** The store stayed unreachable past its retry window; the run is paused at its last saved point. */
  | { kind: 'store-failed'; error: Error }
  /** Another process took over this orchestration; this one stopped driving it. */
  | { kind: 'lease-lost'; error: Error }
  /** The run itself failed (a bug, not a scenario failure). */
  | { kind: 'error'; error: Error };

export interface DurableOrchestration<Row = InputItem> extends Orchestration<Row> {
  readonly store: SnapshotStore;
  readonly owner: string;
  /** Settles once this process stops driving the run, for whatever reason. */
  readonly outcome: Promise<DurableOutcome>;
  /** Pauses every scenario, aborts batches in flight, persists, and releases the lease. */
  interrupt(): Promise<void>;
  /**
   * Snapshot writes so far, the size of the last one, and the changes of the tree they covered: every change
   * (`changes`) and those written at once (`durableChanges`: what the journal cannot rebuild). For benchmarks.
   */
  persistenceStats(): SnapshotWriterStats;
  /**
   * Told when the store's server becomes unreachable and when it is back (Postgres only). While it is
   * down the scenarios wait (no batch can be made durable) and no deadline runs; its length is downtime.
   * A listener added during an outage is told of it at once. Returns the unsubscribe.
   */
  watchStore(listener: (event: StoreOutageEvent) => void): () => void;
}

export interface DurableOptions<Row = InputItem> {
  store: SnapshotStore;
  skill?: Skill<Row>;
  /**
   * The config's dataset files, opened by openDatasets (pass its `config`), or any `items` source; by default
   * the files are opened here (and closed when the run stops), and the stored config records their
   * fingerprints and input sizes, so a resume reads the same records or refuses a changed file.
   */
  datasets?: OpenedDatasets;
  items?: ItemSource;
  /** What a relative `dataset.file` is resolved against when the files are opened here (default: the working directory). */
  cwd?: string;
  /** Told as each dataset file is validated (see openDatasets). */
  onDatasetProgress?: (progress: DatasetProgress) => void;
  /** Recorded so `resume` can load the same skill module again. */
  skillModule?: string;
  id?: string;
  inspect?: (event: InspectionEvent) => void;
  leaseMs?: number;
  owner?: string;
  /** As for createOrchestration: by default the batch cache lives in `store`; `false` turns it off for this process. */
  cache?: OrchestrationOptions['cache'];
  onCacheError?: OrchestrationOptions['onCacheError'];
}

/**
 * Creates an orchestration whose actor tree is saved to `store` as it runs: batches in their own rows,
 * the root snapshot (children included) coalesced into one row guarded by a version and a lease.
 */
export async function createDurableOrchestration<Row = InputItem>(configInput: OrchestrationConfigInput | OrchestrationConfig, options: DurableOptions<Row>): Promise<DurableOrchestration<Row>> {
  const id = options.id ?? `orch-${crypto.randomUUID().slice(0, 8)}`;
  if (await options.store.load(id)) throw new ScenarioError('usage', `orchestration "${id}" already exists in ${options.store.description}; use scenarios resume ${id}`);
  const given = options.items ?? options.datasets?.items;
  const opened = given === undefined && readsFiles(validateConfig(configInput)) ? await openDatasets(configInput, datasetOptions(options)) : undefined;
  const config = opened ? opened.config : parseConfig(configInput);
  const items = given ?? opened?.items;
  // The skill's row type is the caller's promise about their data; the runner passes on what it read.
  const skill = (options.skill as Skill | undefined) ?? resolveConfiguredSkill(config);
  const owner = options.owner ?? newOwnerId();
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  // The row is created together with the run's first snapshot (the tree as built, nothing started), so a
  // process killed right after creating it leaves a run that resume can start, never a row without state.
  const row = (snapshot: unknown) => ({
    id,
    config,
    skill: { name: skill.name, version: skill.version, ...(options.skillModule ? { module: options.skillModule } : {}) },
    status: 'running' as const,
    snapshot,
    machineVersion: MACHINE_VERSION,
    xstateVersion: XSTATE_VERSION,
    // No lease stamped by this host's clock: drive() takes it at once, timed by the store's clock.
    owner: null,
    leaseExpiresAt: null,
  });
  const run = drive({ config, skill, id, owner, leaseMs, store: options.store, version: 0, inspect: options.inspect, create: (snapshot) => options.store.create(row(snapshot)), ...itemArgs(items, opened), ...cacheArgs(options) });
  return closeOnFailure(run, opened) as Promise<unknown> as Promise<DurableOrchestration<Row>>;
}

const readsFiles = (config: { scenarios: readonly { dataset: Parameters<typeof isFileDataset>[0] }[] }) => config.scenarios.some((s) => isFileDataset(s.dataset));

const datasetOptions = (options: { cwd?: string; onDatasetProgress?: (progress: DatasetProgress) => void }) => ({
  ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
  ...(options.onDatasetProgress ? { onProgress: options.onDatasetProgress } : {}),
});

/** Files opened for a run that could not be driven are closed again. */
const closeOnFailure = <T>(run: Promise<T>, opened: OpenedDatasets | undefined): Promise<T> =>
  run.catch((error: unknown) => {
    opened?.close();
    throw error;
  });

/** Where the run's batches read their items, and what to close when it stops (files opened here). */
const itemArgs = (items: ItemSource | undefined, opened: OpenedDatasets | undefined) => ({
  ...(items ? { items } : {}),
  ...(opened ? { close: () => opened.close() } : {}),
});

export interface ResumeOptions<Row = InputItem> {
  store: SnapshotStore;
  /** Defaults to the skill recorded at run time (a built-in name or a module path). */
  skill?: Skill<Row>;
  /** Where batches read their items (default: the stored config's dataset files, opened again and checked against their recorded fingerprints). */
  items?: ItemSource;
  /** Told as each dataset file is validated again. */
  onDatasetProgress?: (progress: DatasetProgress) => void;
  inspect?: (event: InspectionEvent) => void;
  leaseMs?: number;
  owner?: string;
  cwd?: string;
  /** Wait for another process's live lease to run out instead of refusing; called about once a second. */
  onLeaseWait?: (holder: { owner: string | null; remainingMs: number }) => void;
  /** Stops such a wait. */
  signal?: AbortSignal;
  /**
   * Where a skill command started again from the stored config writes its children's stderr, a line at a time
   * (default: process.stderr). Its children are closed before `outcome` settles.
   */
  skillStderr?: (line: string) => void;
  /** As for createOrchestration: by default the batch cache lives in `store`; `false` turns it off for this process. */
  cache?: OrchestrationOptions['cache'];
  onCacheError?: OrchestrationOptions['onCacheError'];
}

/**
 * Restores a stored orchestration and drives it to the end. Batches already recorded are replayed from
 * the journal, never re-run; a batch in flight at the crash runs again with the same idempotency key.
 */
export async function resumeOrchestration<Row = InputItem>(id: string, options: ResumeOptions<Row>): Promise<DurableOrchestration<Row>> {
  const row = await options.store.load(id);
  if (!row) throw new ScenarioError('not_found', `no orchestration "${id}" in ${options.store.description} (see scenarios list)`);
  if (row.status === 'complete' || row.status === 'failed') {
    throw new ScenarioError('usage', `orchestration "${id}" already finished (${row.status}); see scenarios report ${id}`);
  }
  const config = checkStoredRow(row);
  // One skill in place of an A/B pair would run alone from here on, and the rest of its batches would be unpaired.
  if (options.skill && config.skills && labelsOf(options.skill) === undefined) {
    throw new ScenarioError('usage', `orchestration "${id}" is an A/B run (${skillLabel(row.skill)}): it resumes both versions from its stored config, so one skill cannot take their place; resume it without --skill or --skill-command`);
  }
  // An A/B run loads both versions again from its stored `skills` (src/ab).
  const ab = options.skill || !config.skills ? undefined : await loadAbSkill(config.skills, { ...(options.cwd !== undefined ? { cwd: options.cwd } : {}), ...(options.skillStderr ? { stderr: options.skillStderr } : {}) });
  // A skill command is started again from the stored config (whose cwd the run made absolute); nothing runs before the first batch.
  const children: CommandSkill | undefined =
    options.skill || ab || row.skill.module || !('command' in config.skill) ? undefined : commandSkill(config.skill, options.skillStderr ? { stderr: options.skillStderr } : {});
  const skill = (options.skill as Skill | undefined) ?? ab?.skill ?? children ?? (row.skill.module ? await loadSkillModule(row.skill.module, options.cwd) : builtinSkill(row.skill.name));
  // The same records for the same batches: the files are read again only if they match what the run recorded
  // (else ScenarioError 'dataset_changed' says what changed).
  const opened = options.items === undefined && readsFiles(config) ? await openDatasets(config, datasetOptions(options)) : undefined;
  const owner = options.owner ?? newOwnerId();
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  const run = drive({
    ...itemArgs(options.items ?? opened?.items, opened),
    ...cacheArgs(options),
    config,
    skill,
    id,
    owner,
    leaseMs,
    store: options.store,
    version: row.version,
    inspect: options.inspect,
    // A row without a snapshot (created by an older build, which saved the first snapshot separately, by a
    // process that stopped in between) never started: it starts now from its stored config.
    ...(row.snapshot === null ? { startFresh: true } : { restore: { snapshot: row.snapshot as Snapshot<unknown>, savedAt: row.updatedAt, wasInterrupted: row.status === 'paused' } }),
    lease: { ...(options.onLeaseWait ? { onWait: options.onLeaseWait } : {}), ...(options.signal ? { signal: options.signal } : {}) },
  });
  const driven = closeOnFailure(run, opened);
  const started = children ?? ab;
  return (started ? closingChildren(driven, started) : driven) as Promise<unknown> as Promise<DurableOrchestration<Row>>;
}

/** A command skill started here: its children are closed before `outcome` settles (or when driving fails to start). */
const closingChildren = (run: Promise<DurableOrchestration>, children: Pick<CommandSkill, 'close'>): Promise<DurableOrchestration> =>
  run.then(
    (driven) => Object.assign(driven, { outcome: driven.outcome.finally(() => children.close()) }),
    async (error: unknown) => {
      await children.close();
      throw error;
    },
  );

/**
 * Refuses a row this build cannot restore faithfully, naming the orchestration and what is wrong: another
 * machine or xstate version, an invalid config, or a snapshot that is not this machine's (see
 * persistedSnapshotSchema.ts). A row without a snapshot passes (it never started). `verb` says what the
 * caller was doing: `cannot resume orchestration "x": …` or `cannot read …`.
 */
export function checkStoredRow(row: StoredOrchestration, verb: 'resume' | 'read' = 'resume'): OrchestrationConfig {
  const refuse = (why: string) => new ScenarioError('snapshot_invalid', `cannot ${verb} orchestration "${row.id}": ${why}`);
  if (row.machineVersion !== MACHINE_VERSION) throw refuse(`it was written by machine version ${row.machineVersion}, this build runs version ${MACHINE_VERSION}`);
  if (!sameMinor(row.xstateVersion, XSTATE_VERSION)) throw refuse(`it was written with xstate ${row.xstateVersion}, this build uses ${XSTATE_VERSION}`);
  let config: OrchestrationConfig;
  try {
    config = parseConfig(row.config, `stored config of ${row.id}`);
  } catch (error) {
    if (error instanceof ConfigError) throw refuse(`its stored config is invalid: ${error.problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`);
    throw error;
  }
  if (row.snapshot === null) return config;
  const problems = persistedSnapshotProblems(row.snapshot, { orchestrationId: row.id, scenarios: config.scenarios.map((s) => s.name) });
  // One line: the first few problems (a damaged tree usually has one cause and a few consequences).
  const SHOWN = 3;
  if (problems.length > 0) {
    throw refuse(problems.slice(0, SHOWN).join('; ') + (problems.length > SHOWN ? ` (and ${problems.length - SHOWN} more)` : ''));
  }
  return config;
}

interface DriveArgs {
  config: OrchestrationConfig;
  skill: Skill;
  id: string;
  owner: string;
  leaseMs: number;
  store: SnapshotStore;
  version: number;
  inspect: ((event: InspectionEvent) => void) | undefined;
  restore?: { snapshot: Snapshot<unknown>; savedAt: number; wasInterrupted: boolean };
  /** A row that never started (no snapshot): build the tree afresh and start it. */
  startFresh?: boolean;
  /** A new run: creates its row with this first snapshot (before the lease is taken: the row must exist). */
  create?: (snapshot: unknown) => Promise<void>;
  lease?: LeaseKeeperOptions;
  /** Where batches read their items (dataset files). */
  items?: ItemSource;
  /** Called once this process stops driving the run, or fails to start driving it (closes files opened for it). */
  close?: () => void;
  cache?: OrchestrationOptions['cache'];
  onCacheError?: OrchestrationOptions['onCacheError'];
}

/** The caller's batch cache settings, passed on as given (unset: createOrchestration's default, the store's cache). */
const cacheArgs = (options: Pick<OrchestrationOptions, 'cache' | 'onCacheError'>) => ({
  ...(options.cache !== undefined ? { cache: options.cache } : {}),
  ...(options.onCacheError ? { onCacheError: options.onCacheError } : {}),
});

async function drive(args: DriveArgs): Promise<DurableOrchestration> {
  const { store, id } = args;
  let settle!: (outcome: DurableOutcome) => void;
  const outcome = new Promise<DurableOutcome>((resolve) => (settle = resolve));
  let settled = false;
  let interrupted = false;
  // Filled in below; stopDriving may run before all of them exist.
  const parts: { writer?: SnapshotWriter; lease?: LeaseKeeper; orchestration?: Orchestration; remote?: RemoteBatchesHandle } = {};

  // The store's outages (Postgres): while one lasts no alarm fires; when it ends the tree is told its
  // length as downtime (clock.resumed, as after a restore), so budgets, retries, barrier timeouts and
  // elapsed times skip it. The scenarios wait meanwhile: each runner is held up writing its batch's row.
  let outage: Extract<StoreOutageEvent, { type: 'store.unreachable' }> | undefined;
  const outageListeners = new Set<(event: StoreOutageEvent) => void>();
  const unwatchStore = store.watchOutages?.((event) => {
    outage = event.type === 'store.unreachable' ? event : undefined;
    const actor = parts.orchestration?.actor;
    if (event.type === 'store.back' && !settled && actor?.getSnapshot().status === 'active') {
      actor.send({ type: 'clock.resumed', at: event.at, downtimeMs: event.downMs });
    }
    for (const listener of outageListeners) listener(event);
  });
  const storeUnavailable = (error: Error) => error instanceof ScenarioError && error.code === 'store_unavailable';

  const stopDriving = async (result: DurableOutcome, status?: OrchestrationStatus) => {
    if (settled) return;
    settled = true;
    unwatchStore?.();
    const { writer, lease, orchestration } = parts;
    if (status === 'paused') {
      interrupted = true;
      try {
        orchestration?.pause();
      } catch {
        // Interrupted before start(): nothing runs yet, so there is nothing to pause; the row still says paused.
      }
      await writer?.flush().catch(() => undefined);
    }
    writer?.stop();
    lease?.stop();
    orchestration?.actor.stop();
    await parts.remote?.close().catch(() => undefined);
    if (result.kind !== 'lease-lost') await lease?.release().catch(() => undefined);
    args.close?.();
    settle(result);
  };

  const takeLease = async () => {
    parts.lease = await LeaseKeeper.acquire(store, id, args.owner, args.leaseMs, (error) => {
      // A renewal that failed because the store stayed down is the outage, not another owner.
      void (storeUnavailable(error) ? stopDriving({ kind: 'store-failed', error }, 'paused') : stopDriving({ kind: 'lease-lost', error }));
    }, args.lease);
  };
  // A restored tree restarts its batches in flight as it is built, so it is built only under the lease. A
  // new one runs nothing before start(): it is built first, and its row created with its first snapshot.
  if (!args.create) await takeLease();

  // Remote execution (config `execution.mode`, kept with the run, so a resume attaches to the same batches).
  let remote: RemoteBatchesHandle | undefined;
  try {
    remote = args.config.execution?.mode === 'remote' ? await openRemoteBatches(store, args.skill) : undefined;
  } catch (error) {
    unwatchStore?.();
    await parts.lease?.release().catch(() => undefined);
    parts.lease?.stop();
    throw error;
  }
  parts.remote = remote;

  let run: Orchestration;
  try {
    run = createOrchestration(args.config, {
      ...(remote ? { execute: remote.execute } : {}),
      id,
      skill: args.skill,
      journal: store,
      ...(args.items ? { items: args.items } : {}),
      ...cacheArgs(args),
      ...(args.restore ? { snapshot: args.restore.snapshot, downtimeMs: Math.max(0, Date.now() - args.restore.savedAt) } : {}),
      ...(args.inspect ? { inspect: args.inspect } : {}),
      outageSince: () => outage?.since,
      // Every change: batches counted are written at most every 200 ms (the journal has each one meanwhile);
      // what the journal cannot rebuild is written at once (watchDurableChanges below).
      onChange: () => parts.writer?.schedule('routine'),
      // The runner could not record a batch (the store stayed down past its retries): stop here, at the
      // last saved point, rather than leave a scenario paused in a run nobody is watching. A journal row it
      // refused (forged or corrupt) is no outage: the run stops as an error with that message, saved as paused.
      onRunnerError: (error) =>
        // A dataset file that changed under the run is no outage either: it stops the same way.
        void (error instanceof ScenarioError && (error.code === 'snapshot_invalid' || error.code === 'dataset_changed')
          ? stopDriving({ kind: 'error', error }, 'paused')
          : stopDriving({ kind: 'store-failed', error: storeUnavailable(error) ? error : new ScenarioError('store_unavailable', error.message) }, 'paused')),
      // Something escaped the skill's batches (see skillGuard.ts): save as paused and stop with its message.
      onEscape: (error) => void stopDriving({ kind: 'error', error }, 'paused'),
    });
  } catch (error) {
    unwatchStore?.();
    await parts.lease?.release().catch(() => undefined);
    parts.lease?.stop();
    await remote?.close().catch(() => undefined);
    // XState restored what the schema let through and something still broke: one line, not a stack.
    if (args.restore && !(error instanceof ScenarioError)) {
      throw new ScenarioError('snapshot_invalid', `cannot resume orchestration "${id}": its snapshot could not be restored: ${toError(error).message}`, { cause: error });
    }
    throw error;
  }
  parts.orchestration = run;
  if (args.create) {
    try {
      await args.create(run.actor.getPersistedSnapshot());
      await takeLease();
    } catch (error) {
      unwatchStore?.();
      run.actor.stop();
      await remote?.close().catch(() => undefined);
      throw error;
    }
  }

  const snapshotWriter = new SnapshotWriter(
    store,
    id,
    args.version,
    {
      read: () => {
        const snapshot = run.actor.getSnapshot();
        const status: OrchestrationStatus = interrupted
          ? 'paused'
          : snapshot.status === 'done'
            ? snapshot.output?.scenarios.every((s) => s.status === 'complete')
              ? 'complete'
              : 'failed'
            : 'running';
        return { snapshot: run.actor.getPersistedSnapshot(), status };
      },
    },
    (error) => {
      const kind = error instanceof ScenarioError && error.code === 'lease_held' ? 'lease-lost' : 'store-failed';
      // Stopped by an outage: the row is saved as paused if the store is back by the shutdown's last write.
      void stopDriving(kind === 'lease-lost' ? { kind, error } : { kind, error }, storeUnavailable(error) ? 'paused' : undefined);
    },
  );
  parts.writer = snapshotWriter;
  // Its subscriptions end with the tree (XState drops a stopped actor's observers).
  watchDurableChanges(run.actor, (childId) => childId.startsWith('scenario:'), () => snapshotWriter.schedule('durable'));

  if (args.restore) {
    // createOrchestration already told the restored tree how long it was down (clock.resumed).
    if (args.restore.wasInterrupted) run.resume();
    // Interrupted before it ever started: resuming it means starting it.
    if (run.actor.getSnapshot().value === 'ready') run.start();
  }
  if (args.startFresh) run.start();
  snapshotWriter.schedule();

  run.result.then(
    async (report) => {
      try {
        await snapshotWriter.flush();
      } catch (error) {
        return stopDriving({ kind: 'store-failed', error: toError(error) });
      }
      await stopDriving({ kind: 'finished', report });
    },
    (error: unknown) => stopDriving({ kind: 'error', error: toError(error) }),
  );

  return Object.assign(run, {
    store,
    owner: args.owner,
    outcome,
    interrupt: () => stopDriving({ kind: 'interrupted' }, 'paused'),
    persistenceStats: () => snapshotWriter.stats,
    watchStore: (listener: (event: StoreOutageEvent) => void) => {
      outageListeners.add(listener);
      if (outage) listener(outage);
      return () => void outageListeners.delete(listener);
    },
  });
}

/** What drive() uses of src/remote's RemoteBatches (loaded only for a remote run: DBOS is a large import). */
interface RemoteBatchesHandle {
  execute: ExecuteBatch;
  close(): Promise<void>;
}

async function openRemoteBatches(store: SnapshotStore, skill: Skill): Promise<RemoteBatchesHandle> {
  const databaseUrl = (store as { connectionString?: unknown }).connectionString;
  if (typeof databaseUrl !== 'string') {
    throw new ScenarioError('usage', `execution "remote" needs the Postgres server store (--db postgres://…): workers take batches from its database, and ${store.description} is not one`);
  }
  const [{ RemoteBatches }, { remoteSkillVersion }] = await Promise.all([import('../remote/remoteBatches.ts'), import('../remote/skillVersion.ts')]);
  return RemoteBatches.open({ databaseUrl, skillVersion: remoteSkillVersion(skill) });
}
