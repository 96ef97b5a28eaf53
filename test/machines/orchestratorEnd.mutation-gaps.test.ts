import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AnyActorRef } from 'xstate';
import { finishedByName, finishedProgress, noneFinished, withFinished } from '../../src/machines/finishedScenarios.ts';
import type { ScenarioContext } from '../../src/machines/scenarioMachine.ts';
import { initialProgress } from '../../src/machines/scenarioPlan.ts';
import { batchDone } from '../support/controls.ts';
import { createOrchestratorHarness, type OrchestratorHarness } from '../support/orchestratorHarness.ts';
import { testPlan } from '../support/plans.ts';

/**
 * How a run ends, where the model tests only see the end state: the orchestrator finishes after the last
 * scenario actor has stopped (not at the last finish), `finishedAt` is set by the last finish only, and a
 * cancel at an open barrier releases no scenario that already stopped; and where a finished scenario is kept
 * (its bucket is part of the saved snapshot). Everything is computed inside `it` (see test/README.md,
 * "Mutation testing").
 */

const cursorOf = (h: OrchestratorHarness, name: string) => ((h.child(name) as AnyActorRef).getSnapshot() as { context: ScenarioContext }).context.cursor;
const settle = (h: OrchestratorHarness, name: string) => h.controls.runner(name).sendBack(batchDone(cursorOf(h, name), h.clock.tick(10)));

afterEach(() => {
  vi.restoreAllMocks();
});

describe('the end of a run (mutation gaps)', () => {
  it('finishes only after every scenario actor stopped, with finishedAt set by the last finish and no event sent to a stopped actor', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const h = createOrchestratorHarness(['a', 'b'].map((name) => testPlan({ definition: { name, inputSize: 2 }, barriers: [] })));
    h.send({ type: 'orchestration.start' });
    settle(h, 'a');
    settle(h, 'a');
    expect(h.snapshot().context.live).toEqual(['b']);
    expect(h.snapshot().context.finishedAt).toBeNull();
    expect(h.snapshot().status).toBe('active');
    settle(h, 'b');
    settle(h, 'b');
    expect(h.snapshot().status).toBe('done');
    expect(h.snapshot().context.stopped).toBe(2);
    expect(h.snapshot().context.finishedAt).toBe(h.clock.now);
    expect(warn).not.toHaveBeenCalled();
  });

  it('cancelled while scenarios wait at an open barrier, releases none of them after they stopped', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const h = createOrchestratorHarness(['a', 'b', 'c'].map((name) => testPlan({ definition: { name, inputSize: 4 }, barriers: [50] })));
    h.send({ type: 'orchestration.start' });
    for (const name of ['a', 'b']) {
      settle(h, name);
      settle(h, name);
    }
    expect(h.snapshot().context.book.open).toHaveLength(1);
    h.send({ type: 'orchestration.cancel' }, 5);
    expect(h.snapshot().status).toBe('done');
    expect(warn).not.toHaveBeenCalled();
  });
});

describe('finished scenarios kept in a saved snapshot (mutation gaps)', () => {
  it('uses about √N buckets', () => {
    expect(noneFinished(10_000)).toHaveLength(100);
    expect(noneFinished(1)).toHaveLength(1);
  });

  it('puts a name in the bucket its hash gives, so a snapshot saved by this build is read back by name', () => {
    const progress = initialProgress(testPlan({ definition: { name: 's42', inputSize: 1 } }));
    const finished = withFinished(noneFinished(100), 's42', progress);
    expect(finished.findIndex((bucket) => Object.hasOwn(bucket, 's42'))).toBe(7);
    // As a snapshot written by this build holds it: bucket 18 of 100 for "alpha", 94 for "ünï 🚀".
    const saved = JSON.parse(JSON.stringify(noneFinished(10_000))) as ReturnType<typeof noneFinished>;
    saved[18] = { alpha: progress };
    saved[94] = { 'ünï 🚀': progress };
    expect(finishedProgress(saved, 'alpha')).toEqual(progress);
    expect(finishedProgress(saved, 'ünï 🚀')).toEqual(progress);
    expect(Object.keys(finishedByName(saved)).sort()).toEqual(['alpha', 'ünï 🚀']);
  });
});
