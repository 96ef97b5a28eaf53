import { fromCallback, type AnyActorRef, type EventObject } from 'xstate';
import type { BatchDoneEvent, BatchFailedEvent, ScenarioEvent } from '../../src/machines/events.ts';
import type { AlarmInput, BatchRunnerInput } from '../../src/machines/scenarioMachine.ts';

/** One started batch runner: what it was asked to do and a way to answer as the real runner would. */
export interface RunnerHandle {
  readonly input: BatchRunnerInput;
  readonly sendBack: (event: ScenarioEvent) => void;
  stopped: boolean;
}

/** One armed alarm: its owner (the actor that invoked or spawned it), its id, and what it fires. */
export interface AlarmHandle {
  readonly id: string;
  readonly ownerId: string;
  readonly input: AlarmInput;
  readonly sendBack: (event: EventObject) => void;
  stopped: boolean;
}

/** A test clock: every event the tests send is stamped with `now`, which only moves when told to. */
export class TestClock {
  now: number;
  constructor(start = 1_700_000_000_000) {
    this.now = start;
  }
  tick(ms: number): number {
    this.now += ms;
    return this.now;
  }
  /** Moves on by at least `minMs`, and at least to `t`. */
  advanceTo(t: number, minMs = 0): number {
    this.now = Math.max(this.now + minMs, t);
    return this.now;
  }
}

/**
 * Controllable stand-ins for the `batchRunner` and `alarm` actors: nothing happens until the test answers
 * for a runner or fires an alarm, so a run is a pure function of the events the test chooses.
 */
export class Controls {
  readonly runners: RunnerHandle[] = [];
  readonly alarms: AlarmHandle[] = [];

  readonly batchRunner = fromCallback<EventObject, BatchRunnerInput>(({ input, sendBack }) => {
    const handle: RunnerHandle = { input, sendBack: (event) => sendBack(event), stopped: false };
    this.runners.push(handle);
    return () => {
      handle.stopped = true;
    };
  });

  readonly alarm = fromCallback<EventObject, AlarmInput>(({ input, sendBack, self }) => {
    const owner = (self as AnyActorRef)._parent;
    const handle: AlarmHandle = { id: self.id, ownerId: owner?.id ?? '', input, sendBack, stopped: false };
    this.alarms.push(handle);
    return () => {
      handle.stopped = true;
    };
  });

  /** Runners still running; for one scenario, name it. */
  liveRunners(scenario?: string): RunnerHandle[] {
    return this.runners.filter((r) => !r.stopped && (scenario === undefined || r.input.plan.name === scenario));
  }

  /** The single live runner (of a scenario); throws if there is none or more than one. */
  runner(scenario?: string): RunnerHandle {
    const live = this.liveRunners(scenario);
    if (live.length !== 1) throw new Error(`expected one live batch runner${scenario ? ` for ${scenario}` : ''}, found ${live.length}`);
    return live[0] as RunnerHandle;
  }

  /** Live alarms whose event has this type (e.g. `budget.expired`, `retry.due`, `barrier.timeout`). */
  liveAlarms(eventType?: string, ownerId?: string): AlarmHandle[] {
    return this.alarms.filter((a) => !a.stopped && (eventType === undefined || a.input.event.type === eventType) && (ownerId === undefined || a.ownerId === ownerId));
  }

  alarm1(eventType: string, ownerId?: string): AlarmHandle {
    const live = this.liveAlarms(eventType, ownerId);
    if (live.length !== 1) throw new Error(`expected one live ${eventType} alarm${ownerId ? ` of ${ownerId}` : ''}, found ${live.length}`);
    return live[0] as AlarmHandle;
  }

  /** Fires the one live alarm for `eventType`, stamped `at`, as the real alarm does. */
  fire(eventType: string, at: number, ownerId?: string): void {
    const alarm = this.alarm1(eventType, ownerId);
    const event: EventObject & { at: number } = { ...alarm.input.event, at };
    alarm.sendBack(event);
  }

  /** Fires an alarm when its deadline comes: the clock moves on (by at least `minMs`) to the deadline first. */
  fireAtDeadline(alarm: AlarmHandle, clock: TestClock, minMs = 0): void {
    const event: EventObject & { at: number } = { ...alarm.input.event, at: clock.advanceTo(alarm.input.at, minMs) };
    alarm.sendBack(event);
  }
}

/** A settled batch as the real runner reports it; override what the test is about. */
export function batchDone(index: number, at: number, overrides: Partial<Omit<BatchDoneEvent, 'type'>> = {}): BatchDoneEvent {
  return {
    type: 'batch.done',
    at,
    index,
    attempt: 1,
    items: 1,
    itemsFailed: 0,
    qualityScore: 0.9,
    metrics: {},
    durationMs: 5,
    memoryMb: 1,
    replayed: false,
    ...overrides,
  };
}

/** A batch that failed its last attempt: every item failed, no quality score, the error kept. */
export function batchGaveUp(index: number, at: number, attempt: number, items = 1): BatchDoneEvent {
  return batchDone(index, at, { attempt, items, itemsFailed: items, qualityScore: null, error: `batch ${index} failed (attempt ${attempt})` });
}

export function batchFailed(index: number, at: number, attempt: number): BatchFailedEvent {
  return { type: 'batch.failed', at, index, attempt, error: `batch ${index} failed (attempt ${attempt})`, durationMs: 5 };
}
