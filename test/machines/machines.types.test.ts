import { describe, expectTypeOf, it } from 'vitest';
import { createActor, type EventFromLogic, type SnapshotFrom } from 'xstate';
import type { OrchestratorEvent, ScenarioEvent } from '../../src/machines/events.ts';
import { orchestratorMachine, type OrchestratorOutput } from '../../src/machines/orchestratorMachine.ts';
import { scenarioMachine, type ScenarioContext } from '../../src/machines/scenarioMachine.ts';
import type { ScenarioProgress } from '../../src/report/schema.ts';
import { Controls } from '../support/controls.ts';
import { testPlan } from '../support/plans.ts';

// Checked by `tsc --noEmit` (this file is in the project); the runtime part only builds actors.
describe('machine types', () => {
  it('types the scenario machine by its events, context and input', () => {
    expectTypeOf<EventFromLogic<typeof scenarioMachine>>().toEqualTypeOf<ScenarioEvent>();
    expectTypeOf<SnapshotFrom<typeof scenarioMachine>['context']>().toEqualTypeOf<ScenarioContext>();
    expectTypeOf<ScenarioContext['progress']>().toEqualTypeOf<ScenarioProgress>();

    const controls = new Controls();
    const actor = createActor(scenarioMachine.provide({ actors: { batchRunner: controls.batchRunner, alarm: controls.alarm } }), { input: { plan: testPlan() } });
    // @ts-expect-error every event carries `at`
    actor.send({ type: 'scenario.start' });
    // @ts-expect-error not a scenario event
    actor.send({ type: 'orchestration.start', at: 0 });
    // @ts-expect-error barrier.release needs its milestone
    actor.send({ type: 'barrier.release', at: 0 });
    // @ts-expect-error the input is { plan }
    createActor(scenarioMachine, { input: {} });
  });

  it('types the orchestrator machine by its events and output', () => {
    expectTypeOf<EventFromLogic<typeof orchestratorMachine>>().toEqualTypeOf<OrchestratorEvent>();
    expectTypeOf<SnapshotFrom<typeof orchestratorMachine>['output']>().toEqualTypeOf<OrchestratorOutput | undefined>();
    expectTypeOf<OrchestratorOutput['scenarios']>().toEqualTypeOf<ScenarioProgress[]>();

    const actor = createActor(orchestratorMachine, { input: { orchestrationId: 'o', plans: [], barrierTimeoutMs: 1 } });
    // @ts-expect-error pause names a scenario by string
    actor.send({ type: 'orchestration.pause', at: 0, scenario: 3 });
  });
});
