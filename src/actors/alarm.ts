import { fromCallback, type EventObject } from 'xstate';
import type { AlarmInput } from '../machines/scenarioMachine.ts';

/**
 * Fires `input.event` (stamped with `at`) at an absolute time. XState does not persist `after` timers
 * (xstate#5331); an invoked or spawned callback actor is restarted on restore with its persisted input,
 * so this alarm re-arms for the time remaining, or fires at once if the deadline has passed.
 */
export function createAlarm(now: () => number = Date.now) {
  return fromCallback<EventObject, AlarmInput>(({ input, sendBack }) => {
    const timer = setTimeout(() => sendBack({ ...input.event, at: now() }), Math.max(0, input.at - now()));
    return () => clearTimeout(timer);
  });
}
