import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createActor, setup } from 'xstate';
import { createAlarm } from '../../src/actors/alarm.ts';
import type { AlarmInput } from '../../src/machines/scenarioMachine.ts';

const T0 = Date.UTC(2026, 0, 1);

/** Invokes one alarm under a tiny parent that ignores its event: only the timers it leaves are looked at. */
function startAlarm(input: AlarmInput, downtimeMs: () => number) {
  const parent = setup({
    actors: { alarm: createAlarm(() => Date.now(), downtimeMs) },
  }).createMachine({ invoke: { src: 'alarm', input } });
  return createActor(parent).start();
}

// A stopped alarm that left its timer behind would fire into a stopped actor, which drops the event, so
// alarm.test.ts cannot see it; but the timer keeps the process alive until its deadline (a barrier timeout
// can be hours away), so a cancelled or finished run would not exit.
describe('alarm: stopping it', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    vi.setSystemTime(T0);
  });
  afterEach(() => vi.useRealTimers());

  it('leaves no timer pending', () => {
    const actor = startAlarm({ at: T0 + 3_600_000, event: { type: 'ring' }, downtimeAtArm: 0 }, () => 0);
    expect(vi.getTimerCount()).toBe(1);
    actor.stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('leaves no timer pending after it re-armed for downtime added while it waited', async () => {
    let downtime = 0;
    const actor = startAlarm({ at: T0 + 1_000, event: { type: 'ring' }, downtimeAtArm: 0 }, () => downtime);
    downtime = 5_000;
    await vi.advanceTimersByTimeAsync(1_000); // the first timer runs out and re-arms for the 5 s of downtime
    expect(vi.getTimerCount()).toBe(1);
    actor.stop();
    expect(vi.getTimerCount()).toBe(0);
  });
});
