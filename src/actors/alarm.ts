import { fromCallback, type EventObject } from 'xstate';
import type { AlarmInput } from '../machines/scenarioMachine.ts';

/**
 * Fires `input.event` (stamped with `at`) at an absolute time, pushed back by any downtime since the alarm
 * was armed: deadlines count only time the process was up. XState does not persist `after` timers
 * (xstate#5331); an invoked or spawned callback actor is restarted on restore with its persisted input,
 * so this alarm re-arms for the time remaining, or fires at once if that has passed.
 *
 * @param now the clock events are stamped with
 * @param downtimeMs the orchestration's total downtime so far. On a restore it must already include the
 *   latest gap when the restored alarms start (before `clock.resumed` reaches the machines); an alarm
 *   armed with `downtimeAtArm` fires at `at + (downtimeMs() - downtimeAtArm)`.
 */
export function createAlarm(now: () => number = Date.now, downtimeMs: () => number = () => 0) {
  return fromCallback<EventObject, AlarmInput>(({ input, sendBack }) => {
    const due = () => input.at + Math.max(0, downtimeMs() - input.downtimeAtArm);
    let timer: ReturnType<typeof setTimeout>;
    const arm = () => {
      const armedFor = due();
      timer = setTimeout(() => {
        // Downtime added since this timer was set pushes the deadline back: wait for the rest.
        if (due() > armedFor) arm();
        else sendBack({ ...input.event, at: now() });
      }, Math.max(0, armedFor - now()));
    };
    arm();
    return () => clearTimeout(timer);
  });
}
