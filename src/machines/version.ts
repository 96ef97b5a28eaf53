/**
 * Bump when a change to either machine makes older persisted snapshots unsafe to restore (renamed states,
 * reshaped context). Resume refuses a snapshot written by another version instead of misreading it.
 * 2: alarm inputs carry `downtimeAtArm` and scenarios `resumedAt` (deadlines count only time up).
 * 3: the orchestrator's `finished` is a list of buckets (finishedScenarios.ts), not one record.
 */
export const MACHINE_VERSION = '3';
