import { describe, expect, it } from 'vitest';
import { InspectorModel } from '../../src/inspect/InspectorModel.ts';
import type { LogEntry } from '../../src/inspect/inspectorView.ts';
import { progress, smallReport } from '../report/fixtures.ts';

const model = (overrides: Partial<ConstructorParameters<typeof InspectorModel>[0]> = {}) =>
  new InspectorModel({ orchestrationId: 'orch-1', skill: 'simulated@1.0.0', barrierTimeoutMs: 30_000, live: true, ...overrides });

const entry = (n: number): Omit<LogEntry, 'seq'> => ({ at: n, kind: 'event', actor: 'orchestrator', source: null, type: `e${n}`, detail: '' });

describe('InspectorModel', () => {
  it('sends only what changed since the last delta, then nothing', () => {
    const m = model();
    m.setScenario({ name: 'a', state: 'pending', progress: progress('a', { status: 'pending' }) });
    m.setScenario({ name: 'b', state: 'pending', progress: progress('b', { status: 'pending' }) });
    expect(m.takeDelta(1)?.scenarios?.map((s) => s.name)).toEqual(['a', 'b']);
    expect(m.takeDelta(2)).toBeUndefined();
    m.setProgress(progress('b', { itemsProcessed: 5 }));
    const delta = m.takeDelta(3);
    expect(delta?.scenarios).toHaveLength(1);
    expect(delta?.scenarios?.[0]).toMatchObject({ name: 'b', state: 'pending', progress: { itemsProcessed: 5 } });
  });

  it("puts a scenario actor's state on its card", () => {
    const m = model();
    m.setScenario({ name: 'a', state: 'pending', progress: progress('a') });
    m.setActor({ id: 'scenario:a', machine: 'scenario', state: 'running.working.processing.active', activeStates: [], status: 'active' });
    expect(m.view(0).scenarios[0]?.state).toBe('running.working.processing.active');
  });

  it('follows the orchestrator from ready to running, and to finished with the report', () => {
    const m = model();
    expect(m.view(0).status).toBe('ready');
    m.setActor({ id: 'orchestrator', machine: 'orchestrator', state: 'running', activeStates: [], status: 'active' });
    expect(m.takeDelta(0)?.status).toBe('running');
    const report = smallReport();
    m.finish(report, 'text');
    const delta = m.takeDelta(1);
    expect(delta).toMatchObject({ status: 'finished', reportText: 'text' });
    expect(delta?.report).toBe(report);
    expect(m.view(2)).toMatchObject({ status: 'finished', reportText: 'text' });
  });

  it('keeps a bounded log, sends at most one batch per delta and counts what it skipped', () => {
    const m = model({ logCapacity: 50, logBatch: 10 });
    for (let i = 1; i <= 25; i++) m.log(entry(i));
    const delta = m.takeDelta(0);
    expect(delta?.log?.map((e) => e.seq)).toEqual([16, 17, 18, 19, 20, 21, 22, 23, 24, 25]);
    expect(delta?.logSkipped).toBe(15);
    for (let i = 26; i <= 100; i++) m.log(entry(i));
    const view = m.view(0);
    expect(view.log.map((e) => e.seq)).toEqual([91, 92, 93, 94, 95, 96, 97, 98, 99, 100]);
    expect(view.logSkipped).toBe(90);
  });

  it('builds the barrier timeline from arrivals, then from the release record', () => {
    const m = model();
    m.applyProgress({ type: 'barrier.arrived', scenario: 'a', milestone: 30, elapsedMs: 100 });
    m.applyProgress({ type: 'barrier.arrived', scenario: 'a', milestone: 30, elapsedMs: 100 });
    m.applyProgress({ type: 'barrier.arrived', scenario: 'b', milestone: 30, elapsedMs: 250 });
    expect(m.takeDelta(0)?.barriers).toEqual([
      { milestone: 30, status: 'open', deadlineMs: null, record: null, arrivals: [{ scenario: 'a', elapsedMs: 100 }, { scenario: 'b', elapsedMs: 250 }] },
    ]);
    const record = { milestone: 30, releasedBy: 'timeout' as const, arrived: ['b', 'a'], late: ['c'], arrivedAtMs: { b: 250, a: 100 }, openedAtMs: 100, releasedAtMs: 30_100 };
    m.applyProgress({ type: 'barrier.released', barrier: record });
    expect(m.view(0).barriers).toEqual([{ milestone: 30, status: 'released', deadlineMs: null, record, arrivals: [{ scenario: 'a', elapsedMs: 100 }, { scenario: 'b', elapsedMs: 250 }] }]);
  });

  it("gives an open barrier its deadline, and drops it once the barrier is released", () => {
    const m = model();
    m.setBarrierDeadline(30, 1_000);
    expect(m.view(0).barriers).toEqual([]);
    m.applyProgress({ type: 'barrier.arrived', scenario: 'a', milestone: 30, elapsedMs: 100 });
    m.takeDelta(0);
    m.setBarrierDeadline(30, 30_100);
    expect(m.takeDelta(1)?.barriers).toMatchObject([{ milestone: 30, status: 'open', deadlineMs: 30_100 }]);
    m.setBarrierDeadline(30, 30_100);
    expect(m.takeDelta(2)).toBeUndefined();
    m.setBarrier({ milestone: 30, releasedBy: 'all-arrived', arrived: ['a'], late: [], arrivedAtMs: { a: 100 }, openedAtMs: 100, releasedAtMs: 200 });
    m.setBarrierDeadline(30, 40_000);
    expect(m.view(3).barriers).toMatchObject([{ status: 'released', deadlineMs: null }]);
  });

  it('reports an inspector problem without ending the run', () => {
    const m = model();
    m.setActor({ id: 'orchestrator', machine: 'orchestrator', state: 'running', activeStates: [], status: 'active' });
    m.warn('lost track');
    expect(m.view(0)).toMatchObject({ status: 'running', error: 'lost track' });
  });
});
