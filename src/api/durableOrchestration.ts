import type { InspectionEvent, Snapshot } from 'xstate';
import { builtinSkill, loadSkillModule } from '../actors/loadSkill.ts';
import type { Skill } from '../actors/skill.ts';
import { parseConfig } from '../config/parseConfig.ts';
import type { OrchestrationConfig, OrchestrationConfigInput } from '../config/schema.ts';
import { ConfigError, ScenarioError, toError } from '../errors.ts';
import { persistedSnapshotProblems } from '../machines/persistedSnapshotSchema.ts';
import { MACHINE_VERSION } from '../machines/version.ts';
import { DEFAULT_LEASE_MS, LeaseKeeper, newOwnerId, type LeaseKeeperOptions } from '../persistence/leaseKeeper.ts';
import { SnapshotWriter } from '../persistence/snapshotWriter.ts';
import type { OrchestrationStatus, SnapshotStore, StoreOutageEvent, StoredOrchestration } from '../persistence/SnapshotStore.ts';
import { XSTATE_VERSION, sameMinor } from '../persistence/versions.ts';
import type { Report } from '../report/schema.ts';
import { createOrchestration, resolveConfiguredSkill, type Orchestration } from './createOrchestration.ts';

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

export interface DurableOrchestration extends Orchestration {
  readonly store: SnapshotStore;
  readonly owner: string;
  /** Settles once this process stops driving the run, for whatever reason. */
  readonly outcome: Promise<DurableOutcome>;
  /** Pauses every scenario, aborts batches in flight, persists, and releases the lease. */
  interrupt(): Promise<void>;
  /** Snapshot writes so far and the size of the last one (for benchmarks and `status`). */
  persistenceStats(): { writes: number; lastBytes: number };
  /**
   * Told when the store's server becomes unreachable and when it is back (Postgres only). While it is
   * down the scenarios wait (no batch can be made durable) and no deadline runs; its length is downtime.
   * A listener added during an outage is told of it at once. Returns the unsubscribe.
   */
  watchStore(listener: (event: StoreOutageEvent) => void): () => void;
}

export interface DurableOptions {
  store: SnapshotStore;
  skill?: Skill;
  /** Recorded so `resume` can load the same skill module again. */
  skillModule?: string;
  id?: string;
  inspect?: (event: InspectionEvent) => void;
  leaseMs?: number;
  owner?: string;
}

/**
 * Creates an orchestration whose actor tree is saved to `store` as it runs: batches in their own rows,
 * the root snapshot (children included) coalesced into one row guarded by a version and a lease.
 */
export async function createDurableOrchestration(configInput: OrchestrationConfigInput | OrchestrationConfig, options: DurableOptions): Promise<DurableOrchestration> {
  const config = parseConfig(configInput);
  const skill = options.skill ?? resolveConfiguredSkill(config);
  const owner = options.owner ?? newOwnerId();
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  const id = options.id ?? `orch-${crypto.randomUUID().slice(0, 8)}`;
  if (await options.store.load(id)) throw new ScenarioError('usage', `orchestration "${id}" already exists in ${options.store.description}; use scenarios resume ${id}`);
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
  return drive({ config, skill, id, owner, leaseMs, store: options.store, version: 0, inspect: options.inspect, create: (snapshot) => options.store.create(row(snapshot)) });
}

export interface ResumeOptions {
  store: SnapshotStore;
  /** Defaults to the skill recorded at run time (a built-in name or a module path). */
  skill?: Skill;
  inspect?: (event: InspectionEvent) => void;
  leaseMs?: number;
  owner?: string;
  cwd?: string;
  /** Wait for another process's live lease to run out instead of refusing; called about once a second. */
  onLeaseWait?: (holder: { owner: string | null; remainingMs: number }) => void;
  /** Stops such a wait. */
  signal?: AbortSignal;
}

/**
 * Restores a stored orchestration and drives it to the end. Batches already recorded are replayed from
 * the journal, never re-run; a batch in flight at the crash runs again with the same idempotency key.
 */
export async function resumeOrchestration(id: string, options: ResumeOptions): Promise<DurableOrchestration> {
  const row = await options.store.load(id);
  if (!row) throw new ScenarioError('not_found', `no orchestration "${id}" in ${options.store.description} (see scenarios list)`);
  if (row.status === 'complete' || row.status === 'failed') {
    throw new ScenarioError('usage', `orchestration "${id}" already finished (${row.status}); see scenarios report ${id}`);
  }
  const config = checkStoredRow(row);
  const skill = options.skill ?? (row.skill.module ? await loadSkillModule(row.skill.module, options.cwd) : builtinSkill(row.skill.name));
  const owner = options.owner ?? newOwnerId();
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  return drive({
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
}

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
}

async function drive(args: DriveArgs): Promise<DurableOrchestration> {
  const { store, id } = args;
  let settle!: (outcome: DurableOutcome) => void;
  const outcome = new Promise<DurableOutcome>((resolve) => (settle = resolve));
  let settled = false;
  let interrupted = false;
  // Filled in below; stopDriving may run before all of them exist.
  const parts: { writer?: SnapshotWriter; lease?: LeaseKeeper; orchestration?: Orchestration } = {};

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
    if (result.kind !== 'lease-lost') await lease?.release().catch(() => undefined);
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

  let run: Orchestration;
  try {
    run = createOrchestration(args.config, {
      id,
      skill: args.skill,
      journal: store,
      ...(args.restore ? { snapshot: args.restore.snapshot, downtimeMs: Math.max(0, Date.now() - args.restore.savedAt) } : {}),
      ...(args.inspect ? { inspect: args.inspect } : {}),
      outageSince: () => outage?.since,
      onChange: () => parts.writer?.schedule(),
      // The runner could not record a batch (the store stayed down past its retries): stop here, at the
      // last saved point, rather than leave a scenario paused in a run nobody is watching. A journal row it
      // refused (forged or corrupt) is no outage: the run stops as an error with that message, saved as paused.
      onRunnerError: (error) =>
        void (error instanceof ScenarioError && error.code === 'snapshot_invalid'
          ? stopDriving({ kind: 'error', error }, 'paused')
          : stopDriving({ kind: 'store-failed', error: storeUnavailable(error) ? error : new ScenarioError('store_unavailable', error.message) }, 'paused')),
      // Something escaped the skill's batches (see skillGuard.ts): save as paused and stop with its message.
      onEscape: (error) => void stopDriving({ kind: 'error', error }, 'paused'),
    });
  } catch (error) {
    unwatchStore?.();
    await parts.lease?.release().catch(() => undefined);
    parts.lease?.stop();
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
