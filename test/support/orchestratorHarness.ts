import { createActor, type ActorRefFrom, type AnyActorLogic, type InspectionEvent, type Snapshot } from 'xstate';
import type { OrchestratorEvent } from '../../src/machines/events.ts';
import { orchestratorMachine, scenarioActorId } from '../../src/machines/orchestratorMachine.ts';
import { scenarioMachine } from '../../src/machines/scenarioMachine.ts';
import type { ScenarioPlan } from '../../src/machines/scenarioPlan.ts';
import { Controls, TestClock } from './controls.ts';

type WithoutAt<E> = E extends unknown ? Omit<E, 'at'> : never;
export type OrchestratorSnapshot = ReturnType<ActorRefFrom<typeof orchestratorMachine>['getSnapshot']>;

export const ORCHESTRATOR_ID = 'orchestrator';

/**
 * The real orchestrator with controllable alarms and, by default, real scenario machines whose batch
 * runners and alarms the test controls. Pass `scenario` to put other logic (a stub) under the same ids.
 */
export function createOrchestratorHarness(
  plans: ScenarioPlan[],
  options: { barrierTimeoutMs?: number; scenario?: AnyActorLogic; inspect?: (event: InspectionEvent) => void; snapshot?: Snapshot<unknown>; clock?: TestClock } = {},
) {
  const controls = new Controls();
  const clock = options.clock ?? new TestClock();
  const scenario = options.scenario ?? scenarioMachine.provide({ actors: { batchRunner: controls.batchRunner, alarm: controls.alarm } });
  // A stub stands in for the scenario machine: provide() is typed for the real one.
  const machine = orchestratorMachine.provide({ actors: { alarm: controls.alarm, scenario: scenario as typeof scenarioMachine } });
  const actor = createActor(machine, {
    id: ORCHESTRATOR_ID,
    input: { orchestrationId: 'orch-test', plans, barrierTimeoutMs: options.barrierTimeoutMs ?? 1_000 },
    ...(options.snapshot ? { snapshot: options.snapshot } : {}),
    ...(options.inspect ? { inspect: options.inspect } : {}),
  });
  actor.start();
  // Finished children leave `children`; keep the refs from the start.
  const refs = new Map(plans.map((p) => [p.name, actor.getSnapshot().children[scenarioActorId(p.name)]]));

  return {
    actor,
    controls,
    clock,
    /** Sends an orchestrator event stamped with the clock (moved on by `tick` ms first). */
    send: (event: WithoutAt<OrchestratorEvent>, tick = 0): void => {
      actor.send({ ...event, at: clock.tick(tick) });
    },
    snapshot: (): OrchestratorSnapshot => actor.getSnapshot(),
    /** The child actor of a scenario, even after it finished. */
    child: (name: string) => {
      const ref = refs.get(name);
      if (!ref) throw new Error(`no scenario actor ${name}`);
      return ref;
    },
    /** Live barrier alarms (ids `barrier:<m>`). */
    barrierAlarms: () => controls.liveAlarms('barrier.timeout', ORCHESTRATOR_ID),
    persist: (): unknown => JSON.parse(JSON.stringify(actor.getPersistedSnapshot())),
  };
}

export type OrchestratorHarness = ReturnType<typeof createOrchestratorHarness>;
