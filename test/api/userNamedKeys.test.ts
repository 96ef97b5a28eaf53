import { describe, expect, it } from 'vitest';
import { createOrchestration } from '../../src/api/createOrchestration.ts';
import type { ProgressEvent } from '../../src/api/progressEvents.ts';
import { defineSkill, type SkillContext } from '../../src/actors/skill.ts';
import type { OrchestrationConfigInput } from '../../src/config/schema.ts';
import { parseConfig } from '../../src/config/parseConfig.ts';
import { arrive, release } from '../../src/machines/barrier.ts';
import { applyBatch, initialProgress } from '../../src/machines/scenarioPlan.ts';
import { buildReport } from '../../src/report/buildReport.ts';
import { renderMarkdown } from '../../src/report/renderMarkdown.ts';
import { renderText } from '../../src/report/renderText.ts';
import { ReportSchema, ScenarioProgressSchema, type ScenarioProgress } from '../../src/report/schema.ts';
import { testPlan } from '../support/plans.ts';

// Issue 8, item 5: names users choose (scenarios, quality metrics, skill params) are keys of records. On a
// plain object `toString` and `constructor` read as Object.prototype's functions (a metric named `toString`
// turned `overall` into null) and `__proto__` is taken as the prototype (silently dropped, by zod too).
// And a metric a skill returns in only some batches was divided by every scored item, so it came out too low.

const NAMES = ['toString', 'constructor', '__proto__', 'hasOwnProperty'] as const;

/** `{ toString: 0.2, constructor: 0.4, __proto__: 0.6, hasOwnProperty: 0.8 }`, each an own property. */
function namedMetrics(): Record<string, number> {
  return JSON.parse('{"toString": 0.2, "constructor": 0.4, "__proto__": 0.6, "hasOwnProperty": 0.8}') as Record<string, number>;
}

function scenario(name: string) {
  return {
    name,
    inputSize: 40,
    timeBudgetSeconds: 60,
    memoryLimitMb: 100_000,
    errorTolerance: 0,
    // Params named like Object.prototype's members reach the skill as given.
    skillParams: JSON.parse('{"batchSize": 10, "toString": "ts", "__proto__": "proto"}') as { batchSize: number },
    expectedQuality: 'basic' as const,
    qualityMetrics: ['accuracy', ...NAMES, 'partial'],
  };
}

describe('scenario, metric and param names that are Object.prototype members', () => {
  it('run end to end with the right figures, and a metric reported in half the batches averages over those', async () => {
    const seenParams: SkillContext['params'][] = [];
    const skill = defineSkill({
      name: 'named',
      version: '1',
      run(_items, ctx) {
        seenParams.push(ctx.params);
        const metrics = namedMetrics();
        // Reported by every other batch only: its mean must be 0.9, not 0.45.
        if (ctx.batchIndex % 2 === 0) metrics.partial = 0.9;
        return { qualityScore: 0.5, metrics };
      },
    });
    const config: OrchestrationConfigInput = {
      skill: { name: 'simulated', params: JSON.parse('{"__proto__": "config-wide", "constructor": 7}') as Record<string, unknown> },
      milestones: [0, 50, 100],
      barriers: { at: [50], timeoutMs: 5_000 },
      scenarios: ['toString', 'constructor', 'hasOwnProperty'].map(scenario),
    };
    const run = createOrchestration(config, { skill });
    const events: ProgressEvent[] = [];
    run.subscribe((e) => events.push(e));
    run.start();
    const report = await run.result;

    const expected = JSON.parse('{"accuracy": 0.5, "toString": 0.2, "constructor": 0.4, "__proto__": 0.6, "hasOwnProperty": 0.8, "partial": 0.9}') as Record<string, number>;
    const overall = Math.round(((0.5 + 0.2 + 0.4 + 0.6 + 0.8 + 0.9) / 6) * 10_000) / 10_000;
    for (const name of ['toString', 'constructor', 'hasOwnProperty']) {
      expect(Object.hasOwn(report.scenarios, name)).toBe(true);
      const s = report.scenarios[name];
      expect(s?.status).toBe('complete');
      expect(s?.itemsProcessed).toBe(40);
      const scores = s?.qualityScores ?? {};
      expect(Object.keys(scores)).toEqual(['accuracy', ...NAMES, 'partial', 'overall']);
      for (const [metric, value] of Object.entries(expected)) expect(Object.hasOwn(scores, metric) ? scores[metric] : 'absent').toBe(value);
      expect(scores.overall).toBe(overall);
      expect(report.budgets[name]?.expectedQuality).toMatchObject({ held: false, actual: overall }); // basic needs 0.6
      expect(report.comparison.timePerItemMs[name]).toEqual(expect.any(Number));
      expect(report.barriers[0]?.arrivedAtMs[name]).toEqual(expect.any(Number));
    }
    expect(report.comparison.qualityRanking).toEqual(['constructor', 'hasOwnProperty', 'toString']);
    expect(report.comparison.rankingBasis.metrics).toEqual(['accuracy', ...NAMES, 'partial']);
    expect(report.comparison.missingMetrics).toEqual([]);
    expect(report.comparison.scaling.verdict).toBe('inconclusive');

    // Every scenario's progress events came, with numeric times (never a function read off Object.prototype).
    for (const name of ['toString', 'constructor', 'hasOwnProperty']) {
      const milestones = events.filter((e) => e.type === 'milestone.reached' && e.scenario === name);
      expect(milestones.map((e) => (e.type === 'milestone.reached' ? [e.milestone, typeof e.elapsedMs] : []))).toEqual([
        [0, 'number'],
        [50, 'number'],
        [100, 'number'],
      ]);
      const arrivals = events.filter((e) => e.type === 'barrier.arrived' && e.scenario === name);
      expect(arrivals.map((e) => (e.type === 'barrier.arrived' ? typeof e.elapsedMs : ''))).toEqual(['number']);
    }
    expect(run.progress().map((p) => p.name)).toEqual(['toString', 'constructor', 'hasOwnProperty']);

    // The config's params and the scenario's, merged, with every key as given.
    const params = seenParams[0] ?? {};
    expect(Object.hasOwn(params, '__proto__') ? params.__proto__ : 'dropped').toBe('proto');
    expect(Object.hasOwn(params, 'toString') ? params['toString' as string] : 'inherited').toBe('ts');
    expect(params.constructor).toBe(7);
    expect(params.batchSize).toBe(10);

    // The JSON a consumer parses keeps every name; the renderers show the figures.
    const parsed = ReportSchema.parse(JSON.parse(JSON.stringify(report)));
    expect(Object.hasOwn(parsed.scenarios['toString' as string]?.qualityScores ?? {}, '__proto__')).toBe(true);
    expect(JSON.parse(JSON.stringify(parsed))).toEqual(JSON.parse(JSON.stringify(report)));
    expect(renderText(report)).toContain('  toString: accuracy 0.5, toString 0.2, constructor 0.4, __proto__ 0.6, hasOwnProperty 0.8, partial 0.9, overall 0.5667');
    expect(renderMarkdown(report)).toContain('| 1 | constructor | 0.5 | 0.2 | 0.4 | 0.6 | 0.8 | 0.9 | 0.5667 |');
  });

  it('keeps a `__proto__` param in the config (zod drops it from records and loose objects)', () => {
    const config = parseConfig({ skill: { name: 'simulated', params: JSON.parse('{"__proto__": 1}') as object }, scenarios: [scenario('a')] });
    const proto: string = '__proto__';
    expect(Object.hasOwn(config.skill.params ?? {}, proto) ? config.skill.params?.[proto] : 'dropped').toBe(1);
    const skillParams: Record<string, unknown> = config.scenarios[0]?.skillParams ?? {};
    expect(Object.hasOwn(skillParams, proto) ? skillParams[proto] : 'dropped').toBe('proto');
  });

  it('refuses `__proto__` as a scenario name (names start with a letter or digit) but not as a metric name', () => {
    const run = () => createOrchestration({ scenarios: [scenario('__proto__')] });
    expect(run).toThrow(/scenarios\[0\]\.name: must start with a letter or digit/);
  });
});

describe('quality totals per metric', () => {
  const plan = testPlan({ definition: { inputSize: 40, skillParams: { batchSize: 10 } } });
  const batch = (index: number, metrics: Record<string, number>, qualityScore: number | null = 0.5) => ({
    type: 'batch.done' as const,
    at: 1_000 + index,
    index,
    attempt: 1,
    items: 10,
    itemsFailed: qualityScore === null ? 10 : 0,
    qualityScore,
    metrics,
    durationMs: 1,
    memoryMb: 0,
    replayed: false,
  });
  const started = (): ScenarioProgress => ({ ...initialProgress(plan), status: 'running', startedAt: 1_000 });

  it('weighs each metric by the items of the batches that reported it', () => {
    let p = started();
    p = applyBatch(p, plan, batch(0, { f1: 0.8, toString: 0.1 }), 0);
    p = applyBatch(p, plan, batch(1, {}), 0);
    p = applyBatch(p, plan, batch(2, { f1: 0.6 }), 0);
    p = applyBatch(p, plan, batch(3, {}, null), 0);
    expect(p.quality.items).toBe(30);
    expect({ ...p.quality.sums }).toEqual({ accuracy: 15, f1: 14, toString: 1 });
    expect({ ...p.quality.weights }).toEqual({ accuracy: 30, f1: 20, toString: 10 });
  });

  it('folds a `__proto__` metric as an own key, also into totals restored from JSON', () => {
    let p = applyBatch(started(), plan, batch(0, namedMetrics()), 0);
    p = ScenarioProgressSchema.parse(JSON.parse(JSON.stringify(p)));
    p = applyBatch(p, plan, batch(1, namedMetrics()), 0);
    expect(Object.hasOwn(p.quality.sums, '__proto__')).toBe(true);
    expect(JSON.stringify(p.quality)).toBe(
      '{"items":20,"sums":{"accuracy":10,"toString":4,"constructor":8,"__proto__":12,"hasOwnProperty":16},' +
        '"weights":{"accuracy":20,"toString":20,"constructor":20,"__proto__":20,"hasOwnProperty":20}}',
    );
  });

  it('restores totals saved before per-metric weights: what they hold weighs every scored item, as it did', () => {
    const old = { ...started(), quality: { items: 20, sums: { accuracy: 10, f1: 8 } } };
    const p = applyBatch(old, plan, batch(2, { f1: 1 }), 0);
    expect(p.quality).toEqual({ items: 30, sums: { accuracy: 15, f1: 18 }, weights: { accuracy: 30, f1: 30 } });
  });
});

describe('the report keyed by scenario name', () => {
  it('keeps a scenario named `__proto__` (built in code, past the name rule) as an own key everywhere', () => {
    const config = parseConfig({ scenarios: [scenario('x'), scenario('constructor')] });
    const [first] = config.scenarios;
    if (first === undefined) throw new Error('no scenario');
    first.name = '__proto__';
    const done = (name: string): ScenarioProgress => ({
      ...initialProgress({ ...testPlan({ definition: { inputSize: 40, skillParams: { batchSize: 10 } } }), name }),
      status: 'complete',
      progressPct: 100,
      itemsProcessed: 40,
      batchCount: 4,
      busyMs: 40,
      quality: { items: 40, sums: JSON.parse('{"accuracy": 20, "__proto__": 24}') as Record<string, number>, weights: JSON.parse('{"accuracy": 40, "__proto__": 40}') as Record<string, number> },
    });
    const report = buildReport(
      { orchestrationId: 'o', skill: { name: 's', version: '1' }, startedAt: 0, finishedAt: 1, downtimeMs: 0, scenarios: [done('__proto__'), done('constructor')], barriers: [] },
      config,
    );
    expect(Object.keys(report.scenarios)).toEqual(['__proto__', 'constructor']);
    for (const record of [report.scenarios, report.budgets, report.comparison.timePerItemMs, report.comparison.rankingBasis.scores]) {
      expect(Object.hasOwn(record, '__proto__')).toBe(true);
    }
    const proto = '__proto__';
    expect(Object.hasOwn(report.scenarios, proto) ? report.scenarios[proto]?.qualityScores[proto] : 'dropped').toBe(0.6);
    expect(report.comparison.qualityRanking).toEqual(['__proto__', 'constructor']);
    expect(Object.keys(ReportSchema.parse(JSON.parse(JSON.stringify(report))).scenarios)).toEqual(['__proto__', 'constructor']);
  });
});

describe('barriers keyed by scenario name', () => {
  it('records a late `toString` arrival at a released barrier, once', () => {
    let book = arrive({ open: [], released: [] }, 'a', 50, 100, 0, 1_000).book;
    book = release(book, 50, 'timeout', 1_100, 0, ['a', 'toString']).book;
    const late = arrive(book, 'toString', 50, 1_200, 0, 1_000);
    expect(late.kind).toBe('pass-through');
    expect(late.book.released[0]?.arrivedAtMs['toString' as string]).toBe(1_200);
    expect(arrive(late.book, 'toString', 50, 1_300, 0, 1_000).book).toBe(late.book);
  });
});
