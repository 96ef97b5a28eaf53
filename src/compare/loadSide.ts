import { findExperimentRuns, loadExperiment } from '../api/experiments.ts';
import { loadStoredRun, type StoredRun } from '../api/storedRun.ts';
import { ScenarioError } from '../errors.ts';
import type { BaselineKind, SnapshotStore } from '../persistence/SnapshotStore.ts';
import { listInProse } from '../report/format.ts';
import type { LoadedSide } from './compareSides.ts';
import { batchSamples, repeatSamples, type ScenarioSamples } from './samples.ts';

/** What a name on the command line stands for: a run, an experiment, or a baseline pointing at one of them. */
export interface ResolvedRef {
  ref: string;
  kind: BaselineKind;
  id: string;
  /** The baseline `ref` named, if it was one. */
  baseline: string | null;
  /** Set when `ref` names more than one thing: which it was taken as. */
  ambiguity?: string;
}

/**
 * Resolves `ref` as a run id, then an experiment id, then a baseline name, and says which it took when
 * more than one fits. Not found anywhere: a `not_found` error (exit 2).
 */
export async function resolveRef(store: SnapshotStore, ref: string): Promise<ResolvedRef> {
  const [run, experimentRuns, baseline] = await Promise.all([store.load(ref), findExperimentRuns(store, ref), store.loadBaseline(ref)]);
  const found = [run ? 'a run' : '', experimentRuns.length > 0 ? 'an experiment' : '', baseline ? `a baseline (of ${baseline.kind} ${baseline.ref})` : ''].filter((s) => s !== '');
  const ambiguity = found.length > 1 ? `"${ref}" is ${listInProse(found)}: taken as ${found[0] ?? ''}` : undefined;
  const extra = ambiguity === undefined ? {} : { ambiguity };
  if (run) return { ref, kind: 'run', id: ref, baseline: null, ...extra };
  if (experimentRuns.length > 0) return { ref, kind: 'experiment', id: ref, baseline: null, ...extra };
  if (baseline) return { ref, kind: baseline.kind, id: baseline.ref, baseline: baseline.name, ...extra };
  throw new ScenarioError('not_found', `no run, experiment or baseline "${ref}" in ${store.description} (see scenarios list and scenarios baseline list)`);
}

/** The stored runs a resolved name reads: the run, or every repeat of the experiment. */
export async function runsOf(store: SnapshotStore, resolved: ResolvedRef): Promise<StoredRun[]> {
  const what = resolved.baseline === null ? '' : `baseline "${resolved.baseline}" points at `;
  if (resolved.kind === 'run') {
    if (!(await store.load(resolved.id))) throw new ScenarioError('not_found', `${what}run "${resolved.id}", which is not in ${store.description} (deleted?)`);
    return [await loadStoredRun(store, resolved.id)];
  }
  const ids = await findExperimentRuns(store, resolved.id);
  if (ids.length === 0) throw new ScenarioError('not_found', `${what}experiment "${resolved.id}", which has no runs in ${store.description} (deleted?)`);
  return Promise.all(ids.map((id) => loadStoredRun(store, id)));
}

/**
 * Refuses (exit 2) a run or experiment that did not finish: a baseline, or a gate's reference, must be a
 * finished thing, or the gate would judge the candidate against a few batches and blame it. Refused: a run
 * still running or paused, and an experiment with a repeat that is running, paused or not run yet. A run
 * saved as running whose process is gone says how to finish it.
 */
export async function requireFinished(store: SnapshotStore, resolved: ResolvedRef): Promise<StoredRun[]> {
  const runs = await runsOf(store, resolved);
  const via = resolved.baseline === null ? '' : `baseline "${resolved.baseline}" points at `;
  const running = runs.filter((r) => r.status === 'running').map((r) => r.id);
  if (running.length > 0) {
    const what = resolved.kind === 'run' ? `${via}run "${resolved.id}" is` : `${via}experiment "${resolved.id}" has repeats still running (${listInProse(running)}):`;
    throw new ScenarioError('usage', `${what} still running: wait for it to finish (if its process is gone, scenarios resume ${running[0] ?? ''} finishes it)`);
  }
  if (resolved.kind === 'run') {
    if (runs[0]?.status === 'paused') throw new ScenarioError('usage', `${via}run "${resolved.id}" is paused, not finished: resume it first (scenarios resume ${resolved.id}), then use it`);
    return runs;
  }
  const { repeats } = await loadExperiment(store, resolved.id);
  const unfinished = repeats.filter((r) => r.status !== 'complete' && r.status !== 'failed');
  if (unfinished.length > 0) {
    const listed = unfinished.map((r) => `${r.runId} (${r.status === 'missing' ? 'not run yet' : r.status})`);
    throw new ScenarioError(
      'usage',
      `${via}experiment "${resolved.id}" is not finished: ${unfinished.length} of its ${repeats.length} repeats did not run to the end (${listInProse(listed)}): resume it first (scenarios resume ${resolved.id}), then use it`,
    );
  }
  return runs;
}

/** Reads one side's samples: per batch from a run's journal, or per repeat from an experiment's reports. */
export async function loadSide(store: SnapshotStore, resolved: ResolvedRef, loaded?: StoredRun[]): Promise<LoadedSide> {
  const runs = loaded ?? (await runsOf(store, resolved));
  const first = runs[0];
  if (!first) throw new ScenarioError('not_found', `no runs for "${resolved.ref}"`);
  const notes: string[] = [];
  if (resolved.ambiguity) notes.push(resolved.ambiguity);
  const unfinished = runs.filter((r) => r.status === 'running' || r.status === 'paused').map((r) => `${r.id} (${r.status})`);
  if (unfinished.length > 0) notes.push(`not finished: ${listInProse(unfinished)}; only what was recorded is compared`);
  const skills = new Set(runs.map((r) => `${r.report.skill.name}@${r.report.skill.version}`));
  if (skills.size > 1) notes.push(`its runs used different skills: ${listInProse([...skills])}`);
  const scenarios = new Map<string, ScenarioSamples>();
  if (resolved.kind === 'run') {
    for (const definition of first.config.scenarios) {
      const status = first.progress.find((p) => p.name === definition.name)?.status ?? 'pending';
      const records = await store.loadBatches(first.id, definition.name, 0);
      // The batch runner reads parallelWorkers from the merged params: the skill's, then the scenario's.
      const workers = { ...(first.config.skill.params ?? {}), ...definition.skillParams }.parallelWorkers;
      const sampling = { qualityMetrics: definition.qualityMetrics, latencyTargetMsPerItem: definition.latencyTargetMsPerItem, workers: typeof workers === 'number' ? workers : 1 };
      scenarios.set(definition.name, batchSamples(records, sampling, status));
    }
  } else {
    const names = [...new Set(runs.flatMap((r) => r.config.scenarios.map((s) => s.name)))];
    const reports = runs.map((r) => r.report);
    for (const name of names) scenarios.set(name, repeatSamples(reports, name));
  }
  return {
    side: {
      ref: resolved.ref,
      kind: resolved.kind,
      id: resolved.id,
      baseline: resolved.baseline,
      runs: runs.map((r) => r.id),
      skill: first.report.skill,
      sampleUnit: resolved.kind === 'run' ? 'batch' : 'repeat',
    },
    scenarios,
    notes,
  };
}
