import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createActor, setup } from 'xstate';
import { createAlarm } from '../../src/actors/alarm.ts';
import type { AlarmInput } from '../../src/machines/scenarioMachine.ts';

const T0 = Date.UTC(2026, 0, 1);

/** Invokes one alarm under a tiny parent that notes when (by the fake clock) its event came back. */
function armed(input: AlarmInput, downtimeMs: () => number) {
  const fired: number[] = [];
  const parent = setup({
    types: { events: {} as { type: 'ring'; at: number } },
    actors: { alarm: createAlarm(() => Date.now(), downtimeMs) },
    actions: {
      note: ({ event }) => {
        fired.push(event.at);
      },
    },
  }).createMachine({ invoke: { src: 'alarm', input }, on: { ring: { actions: 'note' } } });
  const actor = createActor(parent).start();
  return { fired, stop: () => actor.stop() };
}

describe('alarm', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    vi.setSystemTime(T0);
  });
  afterEach(() => vi.useRealTimers());

  it('fires its event, stamped with the time, at its deadline when there was no downtime', async () => {
    const a = armed({ at: T0 + 1_000, event: { type: 'ring' }, downtimeAtArm: 0 }, () => 0);
    await vi.advanceTimersByTimeAsync(999);
    expect(a.fired).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(a.fired).toEqual([T0 + 1_000]);
    a.stop();
  });

  it('restarted after a restore, waits the rest of its time up instead of firing at once', async () => {
    // Armed at T0 - 5,400 for T0 - 4,400 (1 s); the process went down 400 ms later and was down 5 s.
    const a = armed({ at: T0 - 4_400, event: { type: 'ring' }, downtimeAtArm: 200 }, () => 5_200);
    await vi.advanceTimersByTimeAsync(599);
    expect(a.fired).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(a.fired).toEqual([T0 + 600]);
    a.stop();
  });

  it('waits longer when downtime is added while it is pending', async () => {
    let downtime = 0;
    const a = armed({ at: T0 + 1_000, event: { type: 'ring' }, downtimeAtArm: 0 }, () => downtime);
    await vi.advanceTimersByTimeAsync(500);
    downtime = 300;
    await vi.advanceTimersByTimeAsync(799);
    expect(a.fired).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(a.fired).toEqual([T0 + 1_300]);
    a.stop();
  });

  it('fires at once when its deadline passed in time up too, and never after it is stopped', async () => {
    const late = armed({ at: T0 - 10, event: { type: 'ring' }, downtimeAtArm: 0 }, () => 0);
    await vi.advanceTimersByTimeAsync(0);
    expect(late.fired).toEqual([T0]);
    late.stop();
    const stopped = armed({ at: T0 + 100, event: { type: 'ring' }, downtimeAtArm: 0 }, () => 0);
    stopped.stop();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(stopped.fired).toEqual([]);
  });
});
