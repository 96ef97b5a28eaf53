import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { barsView } from '../../src/cli/progressBars.ts';
import { userStatus } from '../../src/cli/progressView.ts';
import type { ScenarioProgress } from '../../src/report/schema.ts';

const progress = (name: string, over: Partial<ScenarioProgress> = {}): ScenarioProgress =>
  ({
    name, status: 'running', progressPct: 40, itemsProcessed: 320, itemsFailed: 0, inputSize: 800, batchCount: 4, batchesTotal: 8,
    currentMilestone: 30, milestonesReached: [0, 30], milestoneElapsedMs: [0, 10], elapsedMs: 10, busyMs: 5, waitingMs: 0, pausedMs: 0,
    memoryUsedMb: 1, qualityScores: {}, errors: [], startedAt: 0, finishedAt: null, ...over,
  }) as ScenarioProgress;

/** A terminal `columns` wide that records what is drawn on it. */
function terminal(columns: number): PassThrough & { columns: number; isTTY: true; text: () => string } {
  const stream = Object.assign(new PassThrough(), { columns, isTTY: true as const, text: () => written });
  let written = '';
  stream.on('data', (d: Buffer) => (written += d.toString()));
  return stream;
}

// eslint-disable-next-line no-control-regex
const visibleLines = (text: string) => text.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '\n').split(/[\r\n]+/).filter((l) => l.trim() !== '');

describe('live progress bars', () => {
  it('name states in user words, never the machine\'s', () => {
    expect(userStatus(progress('a'), 'running.working.processing.active')).toBe('running');
    expect(userStatus(progress('a'), 'running.working.processing.draining')).toBe('pausing');
    expect(userStatus(progress('a'), 'running.atBarrier', 30)).toBe('at barrier 30%');
    expect(userStatus(progress('a'), 'running.working.retrying')).toBe('retrying');
    expect(userStatus(progress('a', { status: 'paused' }), 'paused')).toBe('paused');
    expect(userStatus(progress('a', { status: 'complete' }), 'complete')).toBe('complete');
    expect(userStatus(progress('a', { status: 'failed', failureReason: 'time_budget_exceeded' }), 'failed')).toBe('failed (time_budget_exceeded)');
  });

  it('name the barrier a scenario waits at, the second one too (its arrival comes after the state change)', async () => {
    const tty = terminal(120);
    const view = barsView(tty, [progress('simple')]);
    const at = (pct: number, milestone: number) => progress('simple', { progressPct: pct, currentMilestone: milestone });
    view.update({ type: 'scenario.state', scenario: 'simple', state: 'running.atBarrier', progress: at(33, 30) });
    view.update({ type: 'barrier.arrived', scenario: 'simple', milestone: 30, elapsedMs: 1 });
    view.update({ type: 'scenario.state', scenario: 'simple', state: 'running.working.processing.active', progress: at(50, 50) });
    view.update({ type: 'scenario.state', scenario: 'simple', state: 'running.atBarrier', progress: at(83, 70) });
    view.update({ type: 'barrier.arrived', scenario: 'simple', milestone: 70, elapsedMs: 2 });
    await new Promise((resolve) => setTimeout(resolve, 250));
    view.stop();
    const last = visibleLines(tty.text()).filter((l) => l.includes('simple')).at(-1) ?? '';
    expect(last).toMatch(/ at barrier 70%\s*$/);
  });

  it.each([80, 100, 140])('fit a %i-column terminal whole, status included', async (columns) => {
    const tty = terminal(columns);
    const view = barsView(tty, [progress('simple'), progress('a-much-longer-scenario-name')]);
    view.update({ type: 'scenario.state', scenario: 'simple', state: 'running.working.processing.draining', progress: progress('simple') });
    const failed = progress('a-much-longer-scenario-name', { status: 'failed', failureReason: 'error_tolerance_exceeded' });
    view.update({ type: 'scenario.state', scenario: failed.name, state: 'failed', progress: failed });
    await new Promise((resolve) => setTimeout(resolve, 250));
    view.stop();
    const lines = visibleLines(tty.text());
    const last = (name: string) => lines.filter((l) => l.includes(name)).at(-1) ?? '';
    expect(last('simple')).toMatch(/ pausing\s*$/);
    expect(last('a-much-longer-scenario-name')).toMatch(/ failed \(error_tolerance_exceeded\)\s*$/);
    for (const line of lines) expect(line.length, line).toBeLessThanOrEqual(columns);
    expect(tty.text()).not.toMatch(/draining|active|atBarrier/);
    if (columns >= 140) expect(last('simple')).toContain('320/800 items');
  });
});
