/**
 * A small LangGraph.js port of the seed design (/work/shared/seed/langgraph-multi-scenario-orchestration.md),
 * the comparison point for bench/perBatch.ts:
 *   START -> supervisor --Send x N--> scenario_worker (one task per scenario, running ALL of its batches)
 *         -> aggregator -> END, compiled with a MemorySaver checkpointer (or none).
 * Each worker loops over its batches as `execute_skill_with_milestones` does: run the skill, append the
 * batch result, update progress, record milestones, and wait for the other scenarios at 30% and 70%.
 * Two deliberate departures, both in LangGraph's favour: batches are made and checked by the same
 * `runBatch` as the bare loop (so only the framework differs), and the milestone wait is an in-process
 * barrier that releases as soon as the last scenario arrives, where the seed polls every 0.5 s.
 */
import { Annotation, END, MemorySaver, Send, START, StateGraph } from '@langchain/langgraph';
import type { Skill } from '../src/actors/skill.ts';
import { runBatch, scenarioNames, type BenchShape } from './benchConfig.ts';

interface ScenarioProgress {
  scenarioId: string;
  status: 'pending' | 'running' | 'paused' | 'complete' | 'failed';
  progressPct: number;
  milestonesReached: number[];
  startTimeMs: number;
  elapsedMs: number;
  elapsedCheckpoints: Record<string, number>;
  itemsProcessed: number;
  batchCount: number;
  partialResults: { batches: { processed: number; qualityScore: number }[]; quality: Record<string, number> }[];
  qualityScores: Record<string, number>;
  errors: { timestamp: string; message: string }[];
}

const merge = <T>(a: Record<string, T>, b: Record<string, T>) => ({ ...a, ...b });

const OrchestratorState = Annotation.Root({
  orchestrationId: Annotation<string>,
  scenarioIds: Annotation<string[]>,
  progress: Annotation<Record<string, ScenarioProgress>>({ reducer: merge, default: () => ({}) }),
  syncPoints: Annotation<Record<string, boolean>>({ reducer: merge, default: () => ({}) }),
  finalResults: Annotation<Record<string, unknown> | undefined>,
});
type State = typeof OrchestratorState.State;

const MILESTONES = [0, 30, 50, 70, 90, 100];
const SYNC_AT = [30, 70];
const SYNC_TIMEOUT_MS = 30_000;

/** The seed's synchronize_at_milestone, as an in-process barrier per (run, milestone). */
class MilestoneBarrier {
  readonly #waiting = new Map<number, { arrived: number; release: () => void; released: Promise<void> }>();
  readonly parties: number;
  constructor(parties: number) {
    this.parties = parties;
  }
  arrive(milestone: number): Promise<boolean> {
    let entry = this.#waiting.get(milestone);
    if (!entry) {
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      entry = { arrived: 0, release, released };
      this.#waiting.set(milestone, entry);
    }
    entry.arrived += 1;
    if (entry.arrived >= this.parties) entry.release();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), SYNC_TIMEOUT_MS)));
    return Promise.race([entry.released.then(() => true), timeout]).finally(() => clearTimeout(timer));
  }
}

export interface SeedGraphOptions {
  shape: BenchShape;
  skill: Skill;
  checkpointer: boolean;
}

/** Builds, compiles and runs the seed graph once; resolves with the aggregator's final results. */
export async function runSeedGraph({ shape, skill, checkpointer }: SeedGraphOptions): Promise<Record<string, unknown> | undefined> {
  const ids = scenarioNames(shape.scenarios);
  const barrier = new MilestoneBarrier(ids.length);
  const signal = new AbortController().signal;

  const supervisor = (state: State) => {
    const now = Date.now();
    const progress: Record<string, ScenarioProgress> = {};
    for (const id of state.scenarioIds) {
      progress[id] = {
        scenarioId: id, status: 'pending', progressPct: 0, milestonesReached: [], startTimeMs: now, elapsedMs: 0,
        elapsedCheckpoints: {}, itemsProcessed: 0, batchCount: 0, partialResults: [], qualityScores: {}, errors: [],
      };
    }
    return { progress };
  };

  const fanOut = (state: State) => state.scenarioIds.map((id) => new Send('scenario_worker', { ...state, scenarioIds: [id] }));

  const worker = async (state: State) => {
    const id = state.scenarioIds[0] ?? '';
    const base = state.progress[id];
    if (!base) throw new Error(`no progress for ${id}`);
    const progress: ScenarioProgress = { ...base, status: 'running', startTimeMs: Date.now() };
    const results: ScenarioProgress['partialResults'][number] = { batches: [], quality: {} };
    const inputSize = shape.batches * shape.batchSize;
    try {
      for (let batchIdx = 0; batchIdx < shape.batches; batchIdx++) {
        const batchResult = await runBatch(id, batchIdx, shape.batchSize, skill, signal);
        const processed = batchResult.processed ?? shape.batchSize;
        results.batches.push({ processed, qualityScore: batchResult.qualityScore });
        progress.batchCount += 1;
        progress.itemsProcessed += processed;
        progress.progressPct = (progress.itemsProcessed / inputSize) * 100;
        const reached = MILESTONES.filter((m) => m <= progress.progressPct);
        const fresh = reached.filter((m) => !progress.milestonesReached.includes(m));
        for (const milestone of fresh) {
          progress.milestonesReached.push(milestone);
          progress.elapsedCheckpoints[`milestone_${milestone}`] = Date.now() - progress.startTimeMs;
          if (SYNC_AT.includes(milestone)) await barrier.arrive(milestone);
        }
      }
      const scores = results.batches.map((b) => b.qualityScore);
      results.quality = { accuracy: scores.reduce((a, b) => a + b, 0) / Math.max(1, scores.length), coverage: 1 };
      progress.qualityScores = results.quality;
      progress.status = 'complete';
      progress.elapsedMs = Date.now() - progress.startTimeMs;
      progress.partialResults.push(results);
    } catch (error) {
      progress.status = 'failed';
      progress.errors.push({ timestamp: new Date().toISOString(), message: String(error) });
    }
    return { progress: { [id]: progress } };
  };

  const aggregator = (state: State) => {
    const metrics: Record<string, unknown> = {};
    const quality: Record<string, number> = {};
    const timePerItem: Record<string, number> = {};
    for (const [id, p] of Object.entries(state.progress)) {
      metrics[id] = { elapsedMs: p.elapsedMs, itemsProcessed: p.itemsProcessed, qualityScores: p.qualityScores, errors: p.errors.length };
      quality[id] = p.qualityScores.accuracy ?? 0;
      timePerItem[id] = p.elapsedMs / Math.max(1, p.itemsProcessed);
    }
    const best = Object.entries(quality).sort((a, b) => b[1] - a[1])[0]?.[0];
    const succeeded = Object.values(state.progress).filter((p) => p.status === 'complete' && p.errors.length === 0).map((p) => p.scenarioId);
    return {
      finalResults: {
        orchestrationId: state.orchestrationId,
        timestamp: new Date().toISOString(),
        metrics,
        comparison: { qualityRanking: { best, scores: quality }, timePerItemMs: timePerItem },
        recommendations: [`Successful in all scenarios: ${succeeded.join(', ')}`],
      },
    };
  };

  const graph = new StateGraph(OrchestratorState)
    .addNode('supervisor', supervisor)
    .addNode('scenario_worker', worker)
    .addNode('aggregator', aggregator)
    .addEdge(START, 'supervisor')
    .addConditionalEdges('supervisor', fanOut, ['scenario_worker'])
    .addEdge('scenario_worker', 'aggregator')
    .addEdge('aggregator', END)
    .compile(checkpointer ? { checkpointer: new MemorySaver() } : {});

  const orchestrationId = `lg-${Math.random().toString(16).slice(2, 10)}`;
  const final = await graph.invoke({ orchestrationId, scenarioIds: ids }, { configurable: { thread_id: `orch-${orchestrationId}` } });
  return final.finalResults;
}
