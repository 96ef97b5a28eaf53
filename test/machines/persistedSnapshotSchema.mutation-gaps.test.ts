import { describe, expect, it } from 'vitest';
import { persistedSnapshotProblems } from '../../src/machines/persistedSnapshotSchema.ts';
import { batchDone, batchFailed } from '../support/controls.ts';
import { createOrchestratorHarness } from '../support/orchestratorHarness.ts';
import { testPlan } from '../support/plans.ts';

/**
 * The persisted-snapshot check on corruptions of a real snapshot, in process. test/durability/corruptSnapshot.test.ts
 * covers the same refusals end to end through a SQL store and the CLI, which the mutation subset leaves out, so
 * the check's branches survived mutation there. The snapshot is built inside each test (see test/README.md,
 * "Mutation testing").
 */

type Json = Record<string, unknown>;

/** The value at a dotted path (keys hold `:` but no `.`). */
const at = (s: unknown, path: string): unknown => path.split('.').reduce<unknown>((o, k) => (o as Json)[k], s);
const parentOf = (s: Json, path: string): [Json, string] => {
  const keys = path.split('.');
  const last = keys.pop() ?? '';
  return [(keys.length === 0 ? s : at(s, keys.join('.'))) as Json, last];
};
/** Corruptions: a value set, or a key removed, at a dotted path. */
const set = (path: string, value: unknown) => (s: Json) => {
  const [parent, key] = parentOf(s, path);
  parent[key] = value;
  return s;
};
const del = (path: string) => (s: Json) => {
  const [parent, key] = parentOf(s, path);
  delete parent[key];
  return s;
};

const expected = { orchestrationId: 'orch-test', scenarios: ['alpha', 'beta', 'gamma'] };

/**
 * A real orchestrator snapshot, mid-run: alpha waits at the open 50 % barrier (whose timeout runs), beta waits
 * to retry batch 1 (its budget and retry alarms run), gamma is processing (its runner and budget alarm run).
 */
function midRun(): Json {
  const h = createOrchestratorHarness(['alpha', 'beta', 'gamma'].map((name) => testPlan({ definition: { name } })));
  h.send({ type: 'orchestration.start' });
  h.controls.runner('alpha').sendBack(batchDone(0, h.clock.tick(10)));
  h.controls.runner('alpha').sendBack(batchDone(1, h.clock.tick(10)));
  h.controls.runner('beta').sendBack(batchDone(0, h.clock.tick(10)));
  h.controls.runner('beta').sendBack(batchFailed(1, h.clock.tick(10), 1));
  return h.persist() as Json;
}

const problems = (snapshot: unknown) => persistedSnapshotProblems(snapshot, expected);

const cases: { name: string; corrupt: (s: Json) => unknown; says: string[] }[] = [
  { name: 'not an object', corrupt: () => 'cut off', says: ['snapshot is not an object ("cut off")'] },
  { name: 'a long string', corrupt: () => 'x'.repeat(100), says: [`snapshot is not an object ("${'x'.repeat(39)})`] },
  { name: 'context null', corrupt: set('context', null), says: ['snapshot has no context'] },
  { name: 'a scenario actor of a scenario it does not have', corrupt: (s) => set('children.scenario:zeta', at(s, 'children.scenario:beta'))(s), says: ['actor "scenario:zeta" is not one the orchestrator runs'] },
  { name: 'an array', corrupt: () => [1, 2], says: ['snapshot is not an object ([1,2])'] },
  { name: 'status error', corrupt: (s) => ({ ...s, status: 'error' }), says: ['status is "error" (only an active or finished orchestrator can be restored)'] },
  { name: 'done but not final', corrupt: (s) => ({ ...s, status: 'done' }), says: ['status is done but state "running" is not final'] },
  { name: 'no state value', corrupt: del('value'), says: ['snapshot has no state value'] },
  { name: 'unknown root state', corrupt: (s) => ({ ...s, value: { running: 'fast' } }), says: ['state {"running":"fast"} is not a state of the orchestrator machine'] },
  { name: 'root state a record of two', corrupt: (s) => ({ ...s, value: { running: {}, done: {} } }), says: ['state {"running":{},"done":{}} is not a state of the orchestrator machine'] },
  { name: 'root state a number', corrupt: (s) => ({ ...s, value: 7 }), says: ['state 7 is not a state of the orchestrator machine'] },
  { name: 'truncated', corrupt: (s) => ({ value: s.value, status: s.status }), says: ['snapshot has no context', 'children: expected record, received undefined'] },
  { name: "a child's snapshot as the root", corrupt: (s) => at(s, 'children.scenario:beta.snapshot'), says: ["the stored snapshot is a scenario's snapshot, not the orchestrator's"] },
  { name: 'book gone', corrupt: del('context.book'), says: ['context.book: expected object, received undefined'] },
  { name: 'another run', corrupt: set('context.orchestrationId', 'orch-other'), says: ['the snapshot belongs to orchestration "orch-other"'] },
  { name: 'other scenarios', corrupt: set('context.names', ['alpha', 'beta']), says: ["the snapshot's scenarios (alpha, beta) are not its config's (alpha, beta, gamma)"] },
  { name: 'unknown live scenario', corrupt: set('context.live', ['alpha', 'beta', 'gamma', 'zeta']), says: ['live scenario "zeta" is not one of its scenarios'] },
  { name: 'live scenario actor missing', corrupt: del('children.scenario:gamma'), says: ['scenario "gamma": its actor is missing from the snapshot'] },
  { name: 'barrier timeout missing', corrupt: del('children.barrier:50'), says: ['the timeout of open barrier 50% is missing'] },
  { name: 'stray actor', corrupt: (s) => set('children.stray', at(s, 'children.barrier:50'))(s), says: ['actor "stray" is not one the orchestrator runs'] },
  { name: 'barrier timeout unknown src', corrupt: set('children.barrier:50.src', 'nope'), says: ['actor "barrier:50" has unknown src "nope"'] },
  { name: 'barrier timeout stopped', corrupt: set('children.barrier:50.snapshot.status', 'stopped'), says: ['actor "barrier:50".status: expected "active"'] },
  { name: 'barrier timeout input', corrupt: set('children.barrier:50.snapshot.input.at', 'soon'), says: ['actor "barrier:50" input.at: expected number, received string'] },
  { name: 'child src', corrupt: set('children.scenario:beta.src', 'other'), says: ['scenario "beta": src is "other", not "scenario"'] },
  { name: 'child snapshot emptied', corrupt: set('children.scenario:beta.snapshot', {}), says: ['scenario "beta": snapshot is empty'] },
  { name: 'child entry emptied', corrupt: set('children.scenario:beta', {}), says: ['scenario "beta": src is undefined, not "scenario"', 'scenario "beta": snapshot is missing'] },
  { name: 'child without context', corrupt: del('children.scenario:beta.snapshot.context'), says: ['scenario "beta": snapshot has no context'] },
  { name: 'child context field', corrupt: del('children.scenario:beta.snapshot.context.progress.itemsFailed'), says: ['scenario "beta": context.progress.itemsFailed: expected number, received undefined'] },
  { name: 'child unknown state', corrupt: set('children.scenario:beta.snapshot.value', 'flying'), says: ['scenario "beta": state "flying" is not a state of the scenario machine', 'scenario "beta": actor "timeBudget" is not one its state runs', 'scenario "beta": actor "retryTimer" is not one its state runs'] },
  { name: 'child state with a second region', corrupt: set('children.scenario:alpha.snapshot.value', { running: 'atBarrier', pending: {} }), says: ['scenario "alpha": state {"running":"atBarrier","pending":{}} is not a state of the scenario machine'] },
  { name: 'child compound as leaf', corrupt: set('children.scenario:beta.snapshot.value', 'running'), says: ['scenario "beta": state "running" is not a state of the scenario machine', 'scenario "beta": actor "timeBudget" is not one its state runs', 'scenario "beta": actor "retryTimer" is not one its state runs'] },
  { name: 'child final but active', corrupt: set('children.scenario:beta.snapshot.value', 'complete'), says: ['scenario "beta": state "complete" is final but status is active', 'scenario "beta": actor "timeBudget" is not one its state runs', 'scenario "beta": actor "retryTimer" is not one its state runs'] },
  { name: 'child of another scenario', corrupt: set('children.scenario:beta.snapshot.context.plan.name', 'alpha'), says: ["scenario \"beta\": its context is scenario \"alpha\"'s"] },
  { name: 'child of another run', corrupt: set('children.scenario:beta.snapshot.context.plan.orchestrationId', 'orch-other'), says: ['scenario "beta": its plan belongs to orchestration "orch-other"'] },
  { name: 'runner missing', corrupt: del('children.scenario:gamma.snapshot.children.runner'), says: ['scenario "gamma": actor "runner" ("batchRunner") of its state is missing'] },
  { name: 'runner src', corrupt: set('children.scenario:gamma.snapshot.children.runner.src', 'alarm'), says: ['scenario "gamma": actor "runner" has src "alarm", not "batchRunner"', 'scenario "gamma": actor "runner" input.at: expected number, received undefined', 'scenario "gamma": actor "runner" input.event: expected object, received undefined', 'scenario "gamma": actor "runner" input.downtimeAtArm: expected number, received undefined'] },
  { name: 'actor its state does not run', corrupt: (s) => set('children.scenario:gamma.snapshot.children.retryTimer', at(s, 'children.scenario:beta.snapshot.children.retryTimer'))(s), says: ['scenario "gamma": actor "retryTimer" is not one its state runs'] },
  { name: 'runner input', corrupt: set('children.scenario:gamma.snapshot.children.runner.snapshot.input.from', -1), says: ['scenario "gamma": actor "runner" input.from: Too small: expected number to be >=0'] },
  { name: 'retry timer input', corrupt: set('children.scenario:beta.snapshot.children.retryTimer.snapshot.input.event', {}), says: ['scenario "beta": actor "retryTimer" input.event.type: expected string, received undefined'] },
];

describe('persisted snapshot check on corrupt snapshots (mutation gaps)', () => {
  it('passes the sound snapshot', () => {
    expect(problems(midRun())).toEqual([]);
  });
  it.each(cases)('refuses $name, naming what is wrong', ({ corrupt, says }) => {
    expect(problems(corrupt(midRun()))).toEqual(says);
  });
});
