import { ScenarioError } from '../errors.ts';

/** Another writer saved this orchestration since we last read it: two processes must never both drive one run. */
export class VersionConflictError extends ScenarioError {
  constructor(id: string, expectedVersion: number) {
    super('lease_held', `orchestration "${id}" was changed by another process (expected version ${expectedVersion}); this process stops driving it`);
    this.name = 'VersionConflictError';
  }
}
