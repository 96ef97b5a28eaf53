import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createDurableOrchestration } from '../../src/api/durableOrchestration.ts';
import { RegressionGate } from '../../src/compare/gate.ts';
import { parseConfig } from '../../src/config/parseConfig.ts';
import { MemorySnapshotStore } from '../../src/persistence/MemorySnapshotStore.ts';
import { simConfig, simScenario } from '../support/simulatedRun.ts';

function capture() {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  return { io: { stdout, stderr }, out: () => out, err: () => err };
}

/** One completed scenario whose quality (0.5) misses its expected level (excellent): a budget that did not hold. */
async function brokenBudgetRun(store: MemorySnapshotStore, id: string): Promise<void> {
  const run = await createDurableOrchestration(simConfig([simScenario('one', 3, { expectedQuality: 'excellent' })], { barriers: { at: [], timeoutMs: 1_000 } }), {
    store,
    id,
    skill: { name: 'poor', version: '1', run: () => Promise.resolve({ qualityScore: 0.5 }) },
  });
  run.start();
  expect((await run.outcome).kind).toBe('finished');
}

describe('RegressionGate', () => {
  it('is absent without --against and --fail-on, and refuses a metric rule without --against', () => {
    expect(RegressionGate.fromOptions({})).toBeUndefined();
    expect(() => RegressionGate.fromOptions({ failOn: 'timePerItem>+10%' })).toThrow('compares against a reference: add --against');
    expect(() => RegressionGate.fromOptions({ against: '' })).toThrow('--against needs a baseline name');
    expect(RegressionGate.fromOptions({ failOn: 'budgets' })).toBeInstanceOf(RegressionGate);
  });

  it('turns a failed rule into exit 4 only for a run that finished with every scenario complete', async () => {
    const store = new MemorySnapshotStore();
    await brokenBudgetRun(store, 'r1');
    const gate = RegressionGate.fromOptions({ failOn: 'budgets' });
    await gate?.prepare(store, parseConfig(simConfig([simScenario('one', 3)])));

    const finished = capture();
    expect(await gate?.judge(store, { kind: 'run', id: 'r1' }, finished.io, false, 0)).toBe(4);
    expect(finished.out()).toBe('\nfail-on budgets: FAILED: one expectedQuality 0.5 against excellent overall score (not measured, so not a failure: memory in one)\n');

    // A scenario failed: exit 1 stays, and the gate says why it did not become 4.
    const failed = capture();
    expect(await gate?.judge(store, { kind: 'run', id: 'r1' }, failed.io, true, 1)).toBe(1);
    expect(failed.err()).toContain('fail-on budgets: FAILED');
    expect(failed.err()).toContain('a scenario failed, so the exit code stays 1');
    expect(failed.out()).toBe('');

    // Interrupted (130): not judged at all.
    const interrupted = capture();
    expect(await gate?.judge(store, { kind: 'run', id: 'r1' }, interrupted.io, false, 130)).toBe(130);
    expect(interrupted.err()).toBe('fail-on: not judged, the run did not finish\n');
    expect(interrupted.out()).toBe('');
  });

  it('refuses, before the run, a reference that is missing and a rule on a metric the config does not have', async () => {
    const store = new MemorySnapshotStore();
    const config = parseConfig(simConfig([simScenario('one', 3)]));
    await expect(RegressionGate.fromOptions({ against: 'main', failOn: 'quality<-0.02' })?.prepare(store, config)).rejects.toMatchObject({ code: 'not_found' });
    await expect(RegressionGate.fromOptions({ against: 'main', failOn: 'coverage<-0.02' })?.prepare(store, config)).rejects.toThrow('names "coverage", which no scenario of this run measures');
  });

  it('refuses, before the run, rules against a reference with no scenario in common', async () => {
    const store = new MemorySnapshotStore();
    await brokenBudgetRun(store, 'ref');
    const config = parseConfig(simConfig([simScenario('two', 3)]));
    await expect(RegressionGate.fromOptions({ against: 'ref', failOn: 'quality<-0.02' })?.prepare(store, config)).rejects.toMatchObject({
      code: 'usage',
      message: '--fail-on: no scenario of this run (two) is in run ref, one sample per batch (one), so no rule could be judged: compare against a reference of the same scenarios',
    });
    // budgets alone needs no reference in common, nor does --against alone (it prints what there is).
    await expect(RegressionGate.fromOptions({ against: 'ref', failOn: 'budgets' })?.prepare(store, config)).resolves.toBeUndefined();
  });

  it('appends the comparison and the rule lines as Markdown after a Markdown report', async () => {
    const store = new MemorySnapshotStore();
    await brokenBudgetRun(store, 'r1');
    await brokenBudgetRun(store, 'r2');
    const config = parseConfig(simConfig([simScenario('one', 3)]));
    const shown = RegressionGate.fromOptions({ against: 'r1', format: 'md' });
    await shown?.prepare(store, config);
    const table = capture();
    expect(await shown?.judge(store, { kind: 'run', id: 'r2' }, table.io, false, 0)).toBe(0);
    expect(table.out()).toMatch(/^\n## Comparison\n\n- a = run r1, skill poor@1, one sample per batch\n- b = run r2, /);
    expect(table.out()).toContain('### one (a complete, b complete)\n\n| figure | unit | a mean | b mean | b − a | relative | 95% CI of b − a | p | significant |\n| --- | --- |');
    expect(table.out()).toMatch(/^\| accuracy \| score \| 0\.5 \(n 3\) \| 0\.5 \(n 3\) \| 0 \| 0% \|/m);

    const gated = RegressionGate.fromOptions({ against: 'r1', failOn: 'quality<-0.02', format: 'md' });
    await gated?.prepare(store, config);
    const lines = capture();
    await gated?.judge(store, { kind: 'run', id: 'r2' }, lines.io, false, 0);
    expect(lines.out()).toMatch(/^\n## Regression gate\n\n- fail-on: against run r1, one sample per batch\n- fail-on quality<-0\.02: passed/);
  });
});
