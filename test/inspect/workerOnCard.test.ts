import { describe, expect, it } from 'vitest';
import type { ExecuteBatch } from '../../src/actors/batchRunner.ts';
import { builtinSkill } from '../../src/actors/loadSkill.ts';
import { createOrchestration } from '../../src/api/createOrchestration.ts';
import { InspectorModel } from '../../src/inspect/InspectorModel.ts';
import { liveInspectorSource } from '../../src/inspect/liveSource.ts';
import { simConfig, simScenario } from '../support/simulatedRun.ts';
import { progress } from '../report/fixtures.ts';

const model = () => new InspectorModel({ orchestrationId: 'orch-1', skill: 'simulated@1.0.0', barrierTimeoutMs: 30_000, live: true });

describe('the inspector names the worker of a remote batch', () => {
  it("puts the worker of each settled batch on its scenario's card, and keeps it through later updates that name none", () => {
    const m = model();
    m.setScenario({ name: 'a', state: 'running', progress: progress('a', { status: 'running', batchCount: 0 }) });
    expect(m.view(0).scenarios[0]).not.toHaveProperty('worker');
    m.applyProgress({ type: 'batch.settled', scenario: 'a', batchIndex: 0, failed: false, progress: progress('a', { status: 'running', batchCount: 1 }), worker: 'host-a/1-aaaa' });
    expect(m.takeDelta(1)?.scenarios?.[0]).toMatchObject({ name: 'a', worker: 'host-a/1-aaaa', progress: { batchCount: 1 } });
    m.applyProgress({ type: 'batch.settled', scenario: 'a', batchIndex: 1, failed: false, progress: progress('a', { status: 'running', batchCount: 2 }), worker: 'host-b/2-bbbb' });
    m.applyProgress({ type: 'scenario.state', scenario: 'a', state: 'running.working.atBarrier', progress: progress('a', { status: 'running', batchCount: 2 }) });
    m.setActor({ id: 'scenario:a', machine: 'scenario', state: 'running.working.processing.active', activeStates: [], status: 'active' });
    expect(m.view(2).scenarios[0]).toMatchObject({ state: 'running.working.processing.active', worker: 'host-b/2-bbbb' });
  });

  it('names none for a local batch', () => {
    const m = model();
    m.applyProgress({ type: 'batch.settled', scenario: 'a', batchIndex: 0, failed: false, progress: progress('a', { status: 'running', batchCount: 1 }) });
    expect(m.view(0).scenarios[0]).not.toHaveProperty('worker');
  });

  it('on the live page of a remote run: each card names the worker that ran its last batch', async () => {
    const skill = builtinSkill('simulated');
    const execute: ExecuteBatch = async ({ plan, index, items, ctx }) => {
      const raw = await skill.run(items as never, ctx);
      const t0 = performance.now();
      return { raw, error: undefined, t0, t1: t0 + 1, worker: `${plan.name}-host/${index}-wxyz` };
    };
    const config = simConfig([simScenario('a', 4, { skillParams: { batchSize: 2 } }), simScenario('b', 3)], { skill: { name: 'simulated', params: { latencyMs: 0 } }, execution: { mode: 'remote' } });
    const run = createOrchestration(config, { execute });
    const source = liveInspectorSource(run, { flushMs: 1 });
    run.start();
    await run.result;
    // The last batch of a (index 1) and of b (index 2).
    expect(source.view().scenarios.map((s) => [s.name, s.worker])).toEqual([
      ['a', 'a-host/1-wxyz'],
      ['b', 'b-host/2-wxyz'],
    ]);
    source.close();
  });
});
