import { hashKey } from '../actors/seededRandom.ts';
import { ExperimentMembershipSchema, type ExperimentMembership, type OrchestrationConfig } from '../config/schema.ts';
import { ScenarioError } from '../errors.ts';
import type { SnapshotStore } from '../persistence/SnapshotStore.ts';
import { configOrder, startOrder } from '../report/experimentOrder.ts';
import { buildExperimentReport, type ExperimentRepeat } from '../report/experimentReport.ts';
import type { ExperimentReport } from '../report/experimentSchema.ts';
import { loadStoredRun } from './storedRun.ts';

/**
 * An experiment is N repeats of one orchestration. It has no table of its own: its runs are ordinary stored
 * orchestrations whose ids say where they belong (`E.r1` … `E.rN`), and each run's stored config records
 * `experiment: { id, index, of }`, so a resume of one repeat and the experiment report know where it fits.
 */

/** Most repeats one experiment may have. */
export const MAX_REPEATS = 100;

/** `E.r<k>`: the stored run id of repeat `index` (1-based) of experiment `experimentId`. */
export function experimentRunId(experimentId: string, index: number): string {
  if (!Number.isSafeInteger(index) || index < 1) throw new RangeError(`a repeat's index is a positive integer (got ${index})`);
  return `${experimentId}.r${index}`;
}

/** The experiment and repeat index a run id names (`E.r3` → { E, 3 }), or undefined for any other id. */
export function parseExperimentRunId(runId: string): { experimentId: string; index: number } | undefined {
  const match = /^(.+)\.r([1-9][0-9]*)$/.exec(runId);
  if (!match) return undefined;
  const index = Number(match[2]);
  return Number.isSafeInteger(index) ? { experimentId: match[1] as string, index } : undefined;
}

/** `exp-` and 8 random hex digits, as a run's default id is `orch-` and 8. */
export function newExperimentId(): string {
  return `exp-${crypto.randomUUID().slice(0, 8)}`;
}

/**
 * Stored run ids of experiment `experimentId`, ascending by repeat index; [] when it has none. Only ids of
 * the exact form `E.r<k>` count, so the runs of an experiment named `E.r1` (`E.r1.r1`, …) are not E's.
 */
export async function findExperimentRuns(store: SnapshotStore, experimentId: string): Promise<string[]> {
  const rows = await store.list();
  return rows
    .flatMap((row) => {
      const parsed = parseExperimentRunId(row.id);
      return parsed?.experimentId === experimentId ? [{ id: row.id, index: parsed.index }] : [];
    })
    .sort((a, b) => a.index - b.index)
    .map((run) => run.id);
}

/**
 * The seed of repeat `index`: the config's seed itself with `sameData` (every repeat sees the same items and
 * draws), else an FNV-1a hash of (seed, "repeat", index), so repeats differ from each other and from a plain
 * run with that seed, and the same experiment seed always gives the same repeat seeds.
 */
export function repeatSeed(seed: number, index: number, sameData: boolean): number {
  return sameData ? seed : hashKey(seed, 'repeat', index);
}

/** A stored repeat as read back: its run (null when it cannot be read) and where it belongs. */
interface ReadRepeat {
  repeat: ExperimentRepeat;
  config: OrchestrationConfig | null;
}

async function readRepeat(store: SnapshotStore, runId: string, index: number): Promise<ReadRepeat> {
  const row = await store.load(runId);
  if (!row) return { repeat: { index, runId, seed: null, status: 'missing', report: null, scenarios: [] }, config: null };
  const scenariosOf = (config: OrchestrationConfig) => config.scenarios.map((s) => ({ name: s.name, batchSize: s.skillParams.batchSize }));
  try {
    const run = await loadStoredRun(store, runId);
    return { repeat: { index, runId, seed: run.config.seed, status: run.status, report: run.report, scenarios: scenariosOf(run.config) }, config: run.config };
  } catch (error) {
    // A repeat that never started (no snapshot) or cannot be read still counts as a repeat, without figures.
    if (!(error instanceof ScenarioError)) throw error;
    return { repeat: { index, runId, seed: null, status: row.status, report: null, scenarios: [] }, config: null };
  }
}

/** An experiment as stored: its repeats (placeholders for those not run yet) and what its repeats' configs say of it. */
export interface StoredExperiment {
  id: string;
  /** The experiment's seed, repeats planned and sameData, from its repeats' stored configs. */
  membership: ExperimentMembership;
  sameData: boolean;
  repeats: ExperimentRepeat[];
  /** The config every repeat ran, in the config's scenario order and with the experiment's seed; null if no repeat can be read. */
  baseConfig: OrchestrationConfig | null;
}

/** Reads every stored repeat of experiment `experimentId`; throws not_found when it has none. */
export async function loadExperiment(store: SnapshotStore, experimentId: string): Promise<StoredExperiment> {
  const ids = await findExperimentRuns(store, experimentId);
  if (ids.length === 0) throw new ScenarioError('not_found', `no orchestration or experiment "${experimentId}" in ${store.description} (see scenarios list)`);
  const read = await Promise.all(ids.map((runId) => readRepeat(store, runId, parseExperimentRunId(runId)?.index ?? 0)));
  const known = read.find((r) => r.config?.experiment !== undefined);
  const lastIndex = Math.max(...read.map((r) => r.repeat.index));
  const membership: ExperimentMembership = known?.config?.experiment ?? { id: experimentId, index: 1, of: lastIndex, seed: read[0]?.repeat.seed ?? 0 };
  const of = Math.max(membership.of, lastIndex);
  const byIndex = new Map(read.map((r) => [r.repeat.index, r.repeat]));
  const repeats = Array.from({ length: of }, (_, i): ExperimentRepeat => byIndex.get(i + 1) ?? { index: i + 1, runId: experimentRunId(experimentId, i + 1), seed: null, status: 'missing', report: null, scenarios: [] });
  const sameData = known?.config?.sameData ?? false;
  const baseConfig = known?.config
    ? { ...known.config, seed: membership.seed, scenarios: configOrder(known.config.scenarios, known.config.experiment?.index ?? 1) }
    : null;
  return { id: experimentId, membership: { ...membership, of }, sameData, repeats, baseConfig };
}

/** The experiment report of a stored experiment, as `scenarios report <experiment>` prints it. */
export async function loadExperimentReport(store: SnapshotStore, experimentId: string): Promise<ExperimentReport> {
  const experiment = await loadExperiment(store, experimentId);
  return buildExperimentReport({
    experimentId,
    seed: experiment.membership.seed,
    sameData: experiment.sameData,
    repeats: experiment.membership.of,
    runs: experiment.repeats,
    ...(experiment.baseConfig ? { scenarioOrder: experiment.baseConfig.scenarios.map((s) => s.name) } : {}),
  });
}

/**
 * Repeat `index`'s config: the experiment's config with the repeat's seed, its scenarios in the repeat's start
 * order (rotated by one per repeat) and `experiment` recording where it belongs.
 */
export function repeatConfig(base: OrchestrationConfig, experiment: { id: string; repeats: number; seed: number; sameData: boolean }, index: number): OrchestrationConfig {
  return {
    ...base,
    seed: repeatSeed(experiment.seed, index, experiment.sameData),
    scenarios: startOrder(base.scenarios, index),
    repeat: experiment.repeats,
    sameData: experiment.sameData,
    experiment: { id: experiment.id, index, of: experiment.repeats, seed: experiment.seed },
  };
}

/** Where an experiment stands as a whole, from its repeats: running or paused while any repeat is (or one has not run), then failed or complete. */
export type ExperimentStatus = 'running' | 'paused' | 'complete' | 'failed';

/** An experiment among stored runs, as `scenarios list` shows it (and `list --json` gives it, with kind "experiment"). */
export interface ExperimentListing {
  kind: 'experiment';
  id: string;
  status: ExperimentStatus;
  /** Repeats planned (`--repeat N`). */
  repeats: number;
  /** Repeats stored (started): the rest have not run yet. */
  stored: number;
  /** Stored repeats by their run's status. */
  repeatStatuses: Record<string, number>;
  /** Its stored runs' ids, in repeat order. */
  runs: string[];
}

/** The experiment's status from its repeats' statuses (a repeat not stored counts as `missing`). */
export function experimentStatus(statuses: readonly string[]): ExperimentStatus {
  if (statuses.includes('running')) return 'running';
  // Interrupted in a repeat, or between two (the next one not stored yet): resume E runs the rest.
  if (statuses.includes('paused') || statuses.includes('missing')) return 'paused';
  return statuses.includes('failed') ? 'failed' : 'complete';
}

/** Repeats planned, from a stored repeat's config (`experiment.of`); undefined when it cannot be read. */
async function plannedRepeats(store: SnapshotStore, runId: string): Promise<number | undefined> {
  const config: unknown = (await store.load(runId))?.config;
  const membership = typeof config === 'object' && config !== null ? ExperimentMembershipSchema.safeParse((config as { experiment?: unknown }).experiment) : undefined;
  return membership?.success ? membership.data.of : undefined;
}

/** Each experiment among stored runs `rows` (a store's list()), with how many of its repeats are stored and how they stand. */
export async function listExperiments(store: SnapshotStore, rows: readonly { id: string; status: string }[]): Promise<ExperimentListing[]> {
  const byExperiment = new Map<string, { id: string; index: number; status: string }[]>();
  for (const row of rows) {
    const parsed = parseExperimentRunId(row.id);
    if (parsed) byExperiment.set(parsed.experimentId, [...(byExperiment.get(parsed.experimentId) ?? []), { id: row.id, index: parsed.index, status: row.status }]);
  }
  return Promise.all(
    [...byExperiment].map(async ([id, found]): Promise<ExperimentListing> => {
      const runs = [...found].sort((a, b) => a.index - b.index);
      const repeats = Math.max((await plannedRepeats(store, runs[0]?.id ?? '')) ?? 0, ...runs.map((r) => r.index));
      const statuses = runs.map((r) => r.status);
      const repeatStatuses: Record<string, number> = {};
      for (const status of statuses) repeatStatuses[status] = (repeatStatuses[status] ?? 0) + 1;
      const all = [...statuses, ...Array.from({ length: repeats - runs.length }, () => 'missing')];
      return { kind: 'experiment', id, status: experimentStatus(all), repeats, stored: runs.length, repeatStatuses, runs: runs.map((r) => r.id) };
    }),
  );
}

/** `experiment E: paused, 2 of 3 repeats stored (1 complete, 1 paused); …`, one line per experiment, for `scenarios list`. */
export function experimentLines(experiments: readonly ExperimentListing[]): string[] {
  return experiments.map((e) => {
    const counts = Object.entries(e.repeatStatuses).map(([status, count]) => `${count} ${status}`);
    const next = e.status === 'paused' || e.status === 'running' ? `scenarios resume ${e.id} runs the rest` : `scenarios report ${e.id}`;
    return `experiment ${e.id}: ${e.status}, ${e.stored} of ${e.repeats} repeat${e.repeats === 1 ? '' : 's'} stored (${counts.join(', ')}); ${next}`;
  });
}
