import { ScenarioError } from '../errors.ts';

/** Another writer saved this orchestration since we last read it: two processes must never both drive one run. */
export class VersionConflictError extends ScenarioError {
  constructor(id: string, expectedVersion: number) {
    super('lease_held', `orchestration "${id}" was changed by another process (expected version ${expectedVersion}); this process stops driving it`);
    this.name = 'VersionConflictError';
  }
}

/** The row went away under a running process (deleted by hand, or the table was emptied): nobody else drives it. */
export class OrchestrationDeletedError extends ScenarioError {
  constructor(id: string) {
    super('not_found', `orchestration "${id}" was deleted from the store while this process was driving it; this process stops (nothing left to save into)`);
    this.name = 'OrchestrationDeletedError';
  }
}

/** The version column is a 32-bit integer: the largest version a row can reach. */
export const MAX_STORED_VERSION = 2_147_483_647;

/** A row saved so often that its version cannot count one more save. */
export class VersionOverflowError extends ScenarioError {
  constructor(id: string) {
    super('snapshot_invalid', `orchestration "${id}" has reached the largest version the store can count (${MAX_STORED_VERSION}) and cannot be saved again; start a new run`);
    this.name = 'VersionOverflowError';
  }
}

/** Thrown once the store has been unreachable for the whole retry window (counted from when it went away). */
export class StoreUnreachableError extends ScenarioError {
  /** The retry window that ran out. */
  readonly unreachableForMs: number;
  readonly since: number;

  constructor(message: string, unreachableForMs: number, since: number, cause: unknown) {
    super('store_unavailable', message, { cause });
    this.name = 'StoreUnreachableError';
    this.unreachableForMs = unreachableForMs;
    this.since = since;
  }
}
