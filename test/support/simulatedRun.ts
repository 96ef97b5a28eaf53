import { createActor } from 'xstate';
import { createAlarm } from '../../src/actors/alarm.ts';
import { createBatchRunner } from '../../src/actors/batchRunner.ts';
import type { Skill } from '../../src/actors/skill.ts';
import { parseConfig } from '../../src/config/parseConfig.ts';
import type { OrchestrationConfigInput, ScenarioDefinitionInput } from '../../src/config/schema.ts';
import type { OrchestratorEvent } from '../../src/machines/events.ts';
import { finishedProgress } from '../../src/machines/finishedScenarios.ts';
import { orchestratorMachine, scenarioActorId } from '../../src/machines/orchestratorMachine.ts';
import { scenarioMachine } from '../../src/machines/scenarioMachine.ts';
import { planScenario } from '../../src/machines/scenarioPlan.ts';
import { MemorySnapshotStore } from '../../src/persistence/MemorySnapshotStore.ts';
import type { ScenarioProgress } from '../../src/report/schema.ts';
import { scenarioDefinition } from './plans.ts';

type WithoutAt<E> = E extends unknown ? Omit<E, 'at'> : never;

/** A scenario of `batches` one-item batches, with budgets out of the way unless overridden. */
export function simScenario(name: string, batches: number, overrides: Partial<ScenarioDefinitionInput> = {}): ScenarioDefinitionInput {
  return scenarioDefinition({ name, inputSize: batches, timeBudgetSeconds: 3_600, errorTolerance: 0, skillParams: { batchSize: 1 }, ...overrides });
}

export function simConfig(scenarios: ScenarioDefinitionInput[], overrides: Partial<OrchestrationConfigInput> = {}): OrchestrationConfigInput {
  return { seed: 1, milestones: [0, 30, 50, 70, 90, 100], barriers: { at: [30, 70], timeoutMs: 30_000 }, retry: { maxAttempts: 1, backoffMs: 100 }, scenarios, ...overrides };
}

/**
 * The real orchestrator, scenario machines, batch runner and alarms, on whatever clock `Date.now()` and
 * `setTimeout` are (vitest's fake timers in these tests). Started at once. Memory is what the skill
 * reports (0 when it reports nothing).
 */
export function startSimulatedRun(configInput: OrchestrationConfigInput, skill: Skill) {
  const config = parseConfig(configInput);
  const now = () => Date.now();
  const alarm = createAlarm(now);
  const journal = new MemorySnapshotStore();
  const machine = orchestratorMachine.provide({
    actors: { alarm, scenario: scenarioMachine.provide({ actors: { alarm, batchRunner: createBatchRunner({ skill, journal, now }) } }) },
  });
  const plans = config.scenarios.map((definition) =>
    planScenario({ orchestrationId: 'orch-sim', definition, seed: config.seed, milestones: config.milestones, barriers: config.barriers.at, retry: config.retry }),
  );
  const actor = createActor(machine, { id: 'orchestrator', input: { orchestrationId: 'orch-sim', plans, barrierTimeoutMs: config.barriers.timeoutMs } });
  actor.start();
  const t0 = now();
  actor.send({ type: 'orchestration.start', at: t0 });

  /** A scenario's progress, live or final. */
  const progress = (name: string): ScenarioProgress => {
    const snapshot = actor.getSnapshot();
    const finished = finishedProgress(snapshot.context.finished, name);
    if (finished) return finished;
    const child = snapshot.children[scenarioActorId(name)] as { getSnapshot(): { context: { progress: ScenarioProgress } } } | undefined;
    if (!child) throw new Error(`no scenario ${name}`);
    return child.getSnapshot().context.progress;
  };
  const state = (name: string): unknown => (actor.getSnapshot().children[scenarioActorId(name)] as { getSnapshot(): { value: unknown } } | undefined)?.getSnapshot().value;

  return {
    actor,
    t0,
    /** ms since the run started. */
    elapsed: () => now() - t0,
    progress,
    state,
    done: () => actor.getSnapshot().status === 'done',
    book: () => actor.getSnapshot().context.book,
    send: (event: WithoutAt<OrchestratorEvent>) => actor.send({ ...event, at: now() }),
  };
}
