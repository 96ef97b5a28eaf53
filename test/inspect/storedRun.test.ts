import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/parseConfig.ts';
import type { InspectorServer } from '../../src/inspect/inspectorServer.ts';
import type { InspectorView } from '../../src/inspect/inspectorView.ts';
import { serveStoredRun } from '../../src/inspect/serveInspector.ts';
import type { StoredRunData } from '../../src/inspect/storedSource.ts';
import { slowConfig, slowRun } from './support/slowRun.ts';

let server: InspectorServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A stored run as loadStoredRun returns it, taken from a real (short) run. */
async function storedRun(interrupted: boolean): Promise<StoredRunData> {
  const run = slowRun(3, 1);
  run.start();
  const report = await run.result;
  const progress = run.progress().map((p, i) => (interrupted && i === 0 ? { ...p, status: 'paused' as const, finishedAt: null } : p));
  return { id: run.id, config: parseConfig(slowConfig(3)), status: interrupted ? 'paused' : 'complete', progress, barriers: report.barriers, report };
}

describe('inspector for a stored run', () => {
  it('shows the stored cards, barriers and report, with each scenario placed by its status', async () => {
    const run = await storedRun(true);
    server = await serveStoredRun(run, { port: 0 });
    const view = (await (await fetch(`${server.url}api/state`)).json()) as InspectorView;
    expect(view).toMatchObject({ orchestrationId: run.id, live: false, stored: { status: 'paused' }, report: { orchestrationId: run.id } });
    expect(view.scenarios.map((s) => [s.name, s.state])).toEqual([['alpha', 'paused'], ['beta', 'complete'], ['gamma', 'complete']]);
    expect(view.actors.find((a) => a.id === 'scenario:alpha')?.activeStates).toEqual(['scenario', 'scenario.paused']);
    expect(view.actors.find((a) => a.id === 'orchestrator')?.state).toBe('running');
    expect(view.barriers.map((b) => b.status)).toEqual(['released']);
  });

  it('shows a scenario of a run saved as paused as paused, with its stored elapsed time, even if its snapshot said running', async () => {
    const run = await storedRun(false);
    const alpha = { ...run.progress[0]!, status: 'running' as const, finishedAt: null, elapsedMs: 3_400 };
    server = await serveStoredRun({ ...run, status: 'paused', progress: [alpha, ...run.progress.slice(1)] }, { port: 0 });
    const view = (await (await fetch(`${server.url}api/state`)).json()) as InspectorView;
    expect(view.scenarios[0]).toMatchObject({ name: 'alpha', state: 'paused', progress: { status: 'paused', elapsedMs: 3_400 } });
    expect(view.actors.find((a) => a.id === 'scenario:alpha')?.activeStates).toEqual(['scenario', 'scenario.paused']);
  });

  it('rebuilds an event log from the store: starts, milestones, barriers, batch totals and outcomes, in time order', async () => {
    const run = await storedRun(true);
    server = await serveStoredRun(run, { port: 0 });
    const { log } = (await (await fetch(`${server.url}api/state`)).json()) as InspectorView;
    const of = (actor: string, type: string) => log.filter((e) => e.actor === actor && e.type === type).map((e) => e.detail);
    expect(of('scenario:beta', 'milestone.reached').map((d) => d.split(' ')[0])).toEqual(['0%', '20%', '50%', '100%']);
    expect(of('scenario:beta', 'scenario.complete')).toEqual([expect.stringMatching(/^→ complete after /) as string]);
    expect(of('scenario:alpha', 'scenario.saved')).toEqual([expect.stringMatching(/^→ paused after /) as string]);
    expect(of('scenario:gamma', 'batches')).toEqual(['3 of 3 batches settled, 6 of 6 items processed']);
    expect(log.filter((e) => e.type === 'barrier.arrived').map((e) => e.source).sort()).toEqual(['scenario:alpha', 'scenario:beta', 'scenario:gamma']);
    expect(of('orchestrator', 'barrier.released')).toEqual(['20% by all-arrived']);
    expect(log.map((e) => e.at)).toEqual(log.map((e) => e.at).sort((a, b) => a - b));
    expect(log.map((e) => e.seq)).toEqual(log.map((_, i) => i + 1));
  });

  it('has nothing to pause or resume', async () => {
    server = await serveStoredRun(await storedRun(false), { port: 0 });
    const response = await fetch(`${server.url}api/pause`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    expect(response.status).toBe(409);
    expect(await response.json()).toEqual({ error: 'this orchestration is stored, not running: nothing to control' });
  });
});
