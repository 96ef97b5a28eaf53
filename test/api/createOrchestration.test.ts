import { afterEach, describe, expect, it, vi } from 'vitest';
import { createOrchestration, type Orchestration } from '../../src/api/createOrchestration.ts';
import { ProgressEventSchema, type ProgressEvent } from '../../src/api/progressEvents.ts';
import type { InputItem } from '../../src/actors/inputData.ts';
import { simulatedSkill } from '../../src/actors/simulatedSkill.ts';
import { defineSkill, type Skill } from '../../src/actors/skill.ts';
import type { OrchestrationConfigInput } from '../../src/config/schema.ts';
import { ConfigError, UsageError } from '../../src/errors.ts';
import { simConfig, simScenario } from '../support/simulatedRun.ts';
import { timedSkill } from '../support/timedSkill.ts';

/** Two small scenarios on the built-in skill with no latency: a whole run takes milliseconds. */
function quickConfig(seed = 3): OrchestrationConfigInput {
  return simConfig([simScenario('a', 10, { skillParams: { batchSize: 2 } }), simScenario('b', 10, { skillParams: { batchSize: 5 } })], {
    seed,
    skill: { name: 'simulated', params: { latencyMs: 0 } },
  });
}

function collect(run: Orchestration): ProgressEvent[] {
  const events: ProgressEvent[] = [];
  run.subscribe((e) => events.push(e));
  return events;
}

const scenarioOf = (e: ProgressEvent) => ('scenario' in e ? e.scenario : undefined);

describe('createOrchestration', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('validates the config up front, with field paths', () => {
    expect(() => createOrchestration({ scenarios: [{ ...simScenario('a', 10), inputSize: -1 }] })).toThrow(ConfigError);
    expect(() => createOrchestration({ scenarios: [{ ...simScenario('a', 10), inputSize: -1 }] })).toThrow('scenarios[0].inputSize: must be a positive integer');
  });

  it('does nothing until start(): every scenario is pending, in config order', async () => {
    const run = createOrchestration(quickConfig(), { id: 'orch-idle' });
    expect(run.id).toBe('orch-idle');
    expect(run.progress().map((p) => [p.name, p.status])).toEqual([
      ['a', 'pending'],
      ['b', 'pending'],
    ]);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(run.progress().every((p) => p.batchCount === 0)).toBe(true);
    run.cancel();
    await run.result;
  });

  it('resolves with a report: every scenario complete with milestones 0..100, both barriers released by arrival', async () => {
    const run = createOrchestration(quickConfig());
    run.start();
    run.start();
    const report = await run.result;
    expect(Object.entries(report.scenarios).map(([name, s]) => [name, s.status, s.milestonesReached, s.batchCount])).toEqual([
      ['a', 'complete', [0, 30, 50, 70, 90, 100], 5],
      ['b', 'complete', [0, 30, 50, 70, 90, 100], 2],
    ]);
    expect(report.barriers.map((b) => [b.milestone, b.releasedBy, b.late])).toEqual([
      [30, 'all-arrived', []],
      [70, 'all-arrived', []],
    ]);
    expect(run.progress().map((p) => p.status)).toEqual(['complete', 'complete']);
  });

  describe('progress stream', () => {
    it('with many scenarios, tells each scenario\'s news before the barrier hears of it, each arrival and release once', async () => {
      const names = Array.from({ length: 120 }, (_, i) => `s${i}`);
      const run = createOrchestration(
        simConfig(names.map((name, i) => simScenario(name, 10 + (i % 3) * 10, { skillParams: { batchSize: 2 } }))),
      );
      const events = collect(run);
      run.start();
      const report = await run.result;
      expect(run.progress().map((p) => [p.name, p.status])).toEqual(names.map((n) => [n, 'complete']));
      const index = (pred: (e: ProgressEvent) => boolean) => events.findIndex(pred);
      for (const milestone of [30, 70]) {
        const released = events.filter((e) => e.type === 'barrier.released' && e.barrier.milestone === milestone);
        expect(released).toHaveLength(1);
        const releasedAt = index((e) => e.type === 'barrier.released' && e.barrier.milestone === milestone);
        for (const name of names) {
          const arrivals = events.filter((e) => e.type === 'barrier.arrived' && e.milestone === milestone && e.scenario === name);
          expect(arrivals, `${name} at ${milestone}`).toHaveLength(1);
          const arrivedAt = events.indexOf(arrivals[0] as ProgressEvent);
          // The scenario's own events come first: it reached the milestone and stood at the barrier, then arrived.
          expect(index((e) => e.type === 'milestone.reached' && e.scenario === name && e.milestone === milestone)).toBeLessThan(arrivedAt);
          expect(index((e) => e.type === 'scenario.state' && e.scenario === name && e.state === 'running.atBarrier')).toBeLessThan(arrivedAt);
          expect(arrivedAt).toBeLessThan(releasedAt);
        }
      }
      for (const name of names) expect(index((e) => e.type === 'scenario.state' && e.scenario === name && e.state === 'complete')).toBeLessThan(events.length - 1);
      expect(events.at(-1)).toEqual({ type: 'orchestration.finished', report });
    });

    it('emits well-formed events, per scenario in order, and orchestration.finished last and once', async () => {
      const run = createOrchestration(quickConfig());
      const events = collect(run);
      run.start();
      const report = await run.result;

      for (const e of events) expect(ProgressEventSchema.safeParse(e).success).toBe(true);
      expect(events.filter((e) => e.type === 'orchestration.finished')).toHaveLength(1);
      expect(events.at(-1)).toEqual({ type: 'orchestration.finished', report });

      for (const [name, batches] of [
        ['a', 5],
        ['b', 2],
      ] as const) {
        const mine = events.filter((e) => scenarioOf(e) === name);
        const settled = mine.flatMap((e) => (e.type === 'batch.settled' ? [e] : []));
        expect(settled.map((e) => e.batchIndex)).toEqual([...Array(batches).keys()]);
        for (const e of settled) expect(e.progress.batchCount).toBe(e.batchIndex + 1);
        expect(mine.flatMap((e) => (e.type === 'milestone.reached' ? [e.milestone] : []))).toEqual([0, 30, 50, 70, 90, 100]);
        const states = mine.flatMap((e) => (e.type === 'scenario.state' ? [e.state] : []));
        expect(states[0]).toBe('running.working.processing.active');
        expect(states.at(-1)).toBe('complete');
        expect(states).toContain('running.atBarrier');
        // Progress in the stream never goes back.
        const pcts = mine.flatMap((e) => (e.type === 'scenario.state' || e.type === 'batch.settled' ? [e.progress.progressPct] : []));
        expect(pcts).toEqual([...pcts].sort((x, y) => x - y));
      }

      // A barrier is released after every scenario it names has arrived, and each barrier once.
      const released = events.flatMap((e, i) => (e.type === 'barrier.released' ? [[i, e.barrier] as const] : []));
      expect(released.map(([, b]) => b.milestone)).toEqual([30, 70]);
      for (const [at, barrier] of released) {
        for (const name of barrier.arrived) {
          const arrival = events.findIndex((e) => e.type === 'barrier.arrived' && e.scenario === name && e.milestone === barrier.milestone);
          expect(arrival).toBeGreaterThanOrEqual(0);
          expect(arrival).toBeLessThan(at);
        }
      }
      // b's last batch takes it from 50 % to 100 %: it completes rather than wait at 70 %, so 3 arrivals.
      expect(events.filter((e) => e.type === 'barrier.arrived')).toHaveLength(3);
    });

    // Regression: barrier events came from the orchestrator's snapshot, which its subscribers saw before the
    // arriving scenario's own snapshot reached its subscriber (the arrival is sent from the scenario's entry
    // action, before its observers run), so the stream said "b arrived at 30" before "b reached 30 %".
    it('streams a scenario reaching a milestone before it arrives at the barrier there', async () => {
      const run = createOrchestration(quickConfig());
      const events = collect(run);
      run.start();
      await run.result;
      for (const arrival of events.filter((e) => e.type === 'barrier.arrived')) {
        const reached = events.findIndex((e) => e.type === 'milestone.reached' && e.scenario === arrival.scenario && e.milestone === arrival.milestone);
        expect(reached).toBeGreaterThanOrEqual(0);
        expect(reached).toBeLessThan(events.indexOf(arrival));
      }
    });

    it('for await yields the current state of each scenario first and ends after orchestration.finished', async () => {
      const run = createOrchestration(quickConfig());
      const seen: ProgressEvent[] = [];
      const reading = (async () => {
        for await (const event of run) seen.push(event);
      })();
      run.start();
      const report = await run.result;
      await reading;
      expect(seen.slice(0, 2).map((e) => [e.type, scenarioOf(e), e.type === 'scenario.state' ? e.state : undefined])).toEqual([
        ['scenario.state', 'a', 'pending'],
        ['scenario.state', 'b', 'pending'],
      ]);
      expect(seen.at(-1)).toEqual({ type: 'orchestration.finished', report });
      expect(seen.filter((e) => e.type === 'batch.settled')).toHaveLength(7);
    });

    it('for await after start(), in the README order, sees every event a subscriber sees, 0 % milestones included', async () => {
      const run = createOrchestration(quickConfig());
      const heard = collect(run);
      run.start();
      const seen: ProgressEvent[] = [];
      for await (const event of run) seen.push(event);
      expect(seen.slice(0, 2).map((e) => [e.type, scenarioOf(e), e.type === 'scenario.state' ? e.state : undefined])).toEqual([
        ['scenario.state', 'a', 'pending'],
        ['scenario.state', 'b', 'pending'],
      ]);
      expect(seen.slice(2)).toEqual(heard);
      expect(seen.filter((e) => e.type === 'milestone.reached' && e.milestone === 0).map(scenarioOf)).toEqual(['a', 'b']);
    });

    it('a second iterator starts from the current state of each scenario, then live events', async () => {
      const run = createOrchestration(quickConfig());
      run.start();
      const first = run[Symbol.asyncIterator]();
      await first.return?.();
      const second: ProgressEvent[] = [];
      for await (const event of run) second.push(event);
      expect(second.slice(0, 2).map((e) => [e.type, scenarioOf(e)])).toEqual([
        ['scenario.state', 'a'],
        ['scenario.state', 'b'],
      ]);
      expect(second.filter((e) => e.type === 'milestone.reached' && e.milestone === 0)).toEqual([]);
      expect(second.at(-1)?.type).toBe('orchestration.finished');
    });

    it('the first iterator opened after the end replays the run; a later one yields each final state, then ends', async () => {
      const run = createOrchestration(quickConfig());
      const heard = collect(run);
      run.start();
      await run.result;
      const replay: ProgressEvent[] = [];
      for await (const event of run) replay.push(event);
      expect(replay.slice(2)).toEqual(heard);
      const seen: ProgressEvent[] = [];
      for await (const event of run) seen.push(event);
      expect(seen.map((e) => [e.type, scenarioOf(e), e.type === 'scenario.state' ? e.progress.status : undefined])).toEqual([
        ['scenario.state', 'a', 'complete'],
        ['scenario.state', 'b', 'complete'],
      ]);
    });

    it('an unsubscribed listener hears nothing more', async () => {
      const run = createOrchestration(quickConfig());
      const heard: ProgressEvent[] = [];
      const unsubscribe = run.subscribe((e) => heard.push(e));
      unsubscribe();
      run.start();
      await run.result;
      expect(heard).toEqual([]);
    });
  });

  describe('pause and resume', () => {
    const config = simConfig([simScenario('a', 10), simScenario('b', 10)], { barriers: { at: [], timeoutMs: 1_000 } });

    it('pauses and resumes one scenario by name, leaving the other running', async () => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
      const run = createOrchestration(config, { skill: timedSkill({ latencyMs: 100 }), now: () => Date.now() });
      const events = collect(run);
      run.start();
      await vi.advanceTimersByTimeAsync(150);
      run.pause('b');
      await vi.advanceTimersByTimeAsync(50);
      expect(run.progress().map((p) => [p.name, p.status, p.batchCount])).toEqual([
        ['a', 'running', 2],
        ['b', 'paused', 2],
      ]);
      await vi.advanceTimersByTimeAsync(500);
      expect(run.progress().map((p) => p.batchCount)).toEqual([7, 2]);
      run.resume('b');
      await vi.advanceTimersByTimeAsync(1_000);
      const report = await run.result;
      expect(report.scenarios.b).toMatchObject({ status: 'complete', pausedMs: 500 });
      expect(report.scenarios.a).toMatchObject({ status: 'complete', pausedMs: 0 });
      expect(events.filter((e) => e.type === 'scenario.state' && e.scenario === 'b').map((e) => (e.type === 'scenario.state' ? e.state : ''))).toEqual([
        'running.working.processing.active',
        'running.working.processing.draining',
        'paused',
        'running.working.processing.active',
        'complete',
      ]);
    });

    it('pauses and resumes every scenario without a name', async () => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
      const run = createOrchestration(config, { skill: timedSkill({ latencyMs: 100 }), now: () => Date.now() });
      run.start();
      await vi.advanceTimersByTimeAsync(50);
      run.pause();
      await vi.advanceTimersByTimeAsync(1_000);
      expect(run.progress().map((p) => [p.status, p.batchCount])).toEqual([
        ['paused', 1],
        ['paused', 1],
      ]);
      run.resume();
      await vi.advanceTimersByTimeAsync(1_000);
      expect(Object.values((await run.result).scenarios).map((s) => [s.status, s.pausedMs])).toEqual([
        ['complete', 950],
        ['complete', 950],
      ]);
    });

    it('throws a UsageError naming the scenarios for an unknown scenario name', async () => {
      const run = createOrchestration(quickConfig());
      expect(() => run.pause('nope')).toThrow(UsageError);
      expect(() => run.pause('nope')).toThrow('unknown scenario "nope" (scenarios: a, b)');
      expect(() => run.resume('nope')).toThrow('unknown scenario "nope"');
      run.cancel();
      await run.result;
    });

    it('refuses pause() before start() instead of dropping it', async () => {
      const run = createOrchestration(quickConfig());
      expect(() => run.pause()).toThrow('pause() before start()');
      run.cancel();
      await run.result;
    });
  });

  it('cancel() ends every live scenario as failed with reason cancelled', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const run = createOrchestration(simConfig([simScenario('a', 10), simScenario('b', 10)]), { skill: timedSkill({ latencyMs: 100 }), now: () => Date.now() });
    run.start();
    await vi.advanceTimersByTimeAsync(250);
    run.cancel();
    const report = await run.result;
    expect(Object.values(report.scenarios).map((s) => [s.status, s.failureReason, s.batchCount])).toEqual([
      ['failed', 'cancelled', 2],
      ['failed', 'cancelled', 2],
    ]);
  });

  it('a skill that throws for one scenario fails only that scenario', async () => {
    const skill = timedSkill({ latencyMs: 0, fails: (c) => c.scenario === 'b' });
    const run = createOrchestration(simConfig([simScenario('a', 10), simScenario('b', 10), simScenario('c', 10)]), { skill });
    run.start();
    const report = await run.result;
    expect(Object.entries(report.scenarios).map(([n, s]) => [n, s.status, s.failureReason])).toEqual([
      ['a', 'complete', undefined],
      ['b', 'failed', 'error_tolerance_exceeded'],
      ['c', 'complete', undefined],
    ]);
    expect(report.barriers.every((b) => b.releasedBy === 'all-arrived' && !b.arrived.includes('b'))).toBe(true);
  });

  describe('seeded determinism', () => {
    /** The built-in simulated skill, recording the items each batch got. */
    function recording(): Skill & { items: Map<string, InputItem[]> } {
      const items = new Map<string, InputItem[]>();
      return {
        ...simulatedSkill,
        items,
        run: (batch, ctx) => {
          items.set(`${ctx.scenario}/${ctx.batchIndex}/${ctx.attempt}`, batch);
          return simulatedSkill.run(batch, ctx);
        },
      };
    }
    async function runWithSeed(seed: number) {
      const skill = recording();
      const config = simConfig([simScenario('a', 20, { skillParams: { batchSize: 4 } }), simScenario('b', 30, { skillParams: { batchSize: 5 }, dataset: { distribution: 'skewed' } })], {
        seed,
        skill: { name: 'simulated', params: { latencyMs: 0 } },
      });
      const run = createOrchestration(config, { skill });
      run.start();
      const report = await run.result;
      return { report, items: skill.items };
    }

    it('gives identical quality scores and input items for the same seed', async () => {
      const first = await runWithSeed(11);
      const second = await runWithSeed(11);
      expect(Object.values(second.report.scenarios).map((s) => s.qualityScores)).toEqual(Object.values(first.report.scenarios).map((s) => s.qualityScores));
      expect([...second.items.entries()]).toEqual([...first.items.entries()]);
      expect(first.items.size).toBe(5 + 6);
    });

    it('gives different quality scores and input items for a different seed', async () => {
      const first = await runWithSeed(11);
      const other = await runWithSeed(12);
      expect(Object.values(other.report.scenarios).map((s) => s.qualityScores.accuracy)).not.toEqual(Object.values(first.report.scenarios).map((s) => s.qualityScores.accuracy));
      expect(other.items.get('a/0/1')?.map((i) => i.value)).not.toEqual(first.items.get('a/0/1')?.map((i) => i.value));
      // Same ids either way: the seed changes values, not which items a batch holds.
      expect(other.items.get('b/2/1')?.map((i) => i.id)).toEqual([10, 11, 12, 13, 14]);
    });
  });
});

describe('barriers()', () => {
  it('shows who waits at an open barrier and, once released, its record', async () => {
    const skill = defineSkill({
      name: 'uneven',
      version: '1',
      run: async (items, ctx) => {
        await new Promise((r) => setTimeout(r, ctx.scenario === 'slow' ? 60_000 : 5));
        return { qualityScore: 1, processed: items.length };
      },
    });
    const run = createOrchestration(simConfig([simScenario('fast', 10, { skillParams: { batchSize: 5 } }), simScenario('slow', 10, { skillParams: { batchSize: 5 } })]), { skill });
    run.start();
    await new Promise((r) => setTimeout(r, 200));
    const { open, released } = run.barriers();
    expect(released).toEqual([]);
    expect(open).toHaveLength(1);
    expect(open[0]?.milestone).toBe(30);
    expect(open[0]?.arrivals.map((a) => a.scenario)).toEqual(['fast']);
    run.cancel();
    await run.result;
    expect(run.barriers().released.map((b) => [b.milestone, b.releasedBy])).toEqual([[30, 'all-arrived']]);
  });
});
