import { createActor, setup, type ActorRefFrom, type InspectionEvent, type Snapshot } from 'xstate';
import type { OrchestratorEvent, ScenarioEvent } from '../../src/machines/events.ts';
import { scenarioMachine } from '../../src/machines/scenarioMachine.ts';
import type { ScenarioPlan } from '../../src/machines/scenarioPlan.ts';
import { Controls, TestClock } from './controls.ts';

export type ScenarioRef = ActorRefFrom<typeof scenarioMachine>;
export type ScenarioSnapshot = ReturnType<ScenarioRef['getSnapshot']>;

/** Distributes Omit over a union, so each event keeps its own fields. */
type WithoutAt<E> = E extends unknown ? Omit<E, 'at'> : never;

/**
 * Runs the real scenario machine as the child of a tiny parent (a root actor cannot `sendParent`), with
 * controllable runner and alarms. The parent records what the scenario tells it.
 */
export function createScenarioHarness(plan: ScenarioPlan, options: { inspect?: (event: InspectionEvent) => void; snapshot?: Snapshot<unknown>; clock?: TestClock } = {}) {
  const controls = new Controls();
  const clock = options.clock ?? new TestClock();
  const parentEvents: OrchestratorEvent[] = [];
  const scenario = scenarioMachine.provide({ actors: { batchRunner: controls.batchRunner, alarm: controls.alarm } });
  const machine = setup({
    types: { events: {} as OrchestratorEvent, input: {} as { plan: ScenarioPlan }, context: {} as { plan: ScenarioPlan } },
    actors: { scenario },
    actions: {
      record: ({ event }) => {
        parentEvents.push(event);
      },
    },
  }).createMachine({
    id: 'harness',
    context: ({ input }) => ({ plan: input.plan }),
    invoke: { id: 'scenario', src: 'scenario', input: ({ context }) => ({ plan: context.plan }) },
    on: { 'barrier.arrived': { actions: 'record' }, 'scenario.finished': { actions: 'record' } },
  });
  const root = createActor(machine, {
    input: { plan },
    ...(options.snapshot ? { snapshot: options.snapshot } : {}),
    ...(options.inspect ? { inspect: options.inspect } : {}),
  });
  root.start();
  const child = root.getSnapshot().children.scenario;
  if (!child) throw new Error('the harness has no scenario child');

  /** Sends an event stamped with the clock (moved on by `tick` ms first). */
  const send = (event: WithoutAt<ScenarioEvent>, tick = 0): void => {
    child.send({ ...event, at: clock.tick(tick) });
  };

  return {
    root,
    scenario: child,
    controls,
    clock,
    parentEvents,
    send,
    snapshot: (): ScenarioSnapshot => child.getSnapshot(),
    context: () => child.getSnapshot().context,
    progress: () => child.getSnapshot().context.progress,
    /** The state as a dotted path, e.g. `running.working.processing.active`. */
    state: () => statePathOf(child.getSnapshot().value),
    persist: (): unknown => JSON.parse(JSON.stringify(root.getPersistedSnapshot())),
  };
}

export type ScenarioHarness = ReturnType<typeof createScenarioHarness>;

export function statePathOf(value: unknown): string {
  if (typeof value === 'string') return value;
  const entries = Object.entries(value as Record<string, unknown>);
  const [key, inner] = entries[0] ?? [];
  return key === undefined ? '' : `${key}.${statePathOf(inner)}`;
}
