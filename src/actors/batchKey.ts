/**
 * `${orchestrationId}/${scenario}/batch/${index}`: a batch's idempotency key, the same across retries, re-runs
 * after a crash and hosts (a remote batch's workflow id is built on it: src/remote/protocol.ts).
 */
export const batchKey = (orchestrationId: string, scenario: string, index: number) => `${orchestrationId}/${scenario}/batch/${index}`;
