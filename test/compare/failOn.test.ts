import { describe, expect, it } from 'vitest';
import { compareSides, type LoadedSide } from '../../src/compare/compareSides.ts';
import { checkRuleFigures, judgeBudgets, judgeRule, parseFailOn, type MetricRule } from '../../src/compare/failOn.ts';
import type { ComparisonSide } from '../../src/compare/schema.ts';
import type { Report } from '../../src/report/schema.ts';

describe('parseFailOn', () => {
  it('reads absolute and relative rules, signed or not, and budgets, in any order', () => {
    expect(parseFailOn('quality<-0.02, timePerItem>+10%,budgets,throughput < -5 %,accuracy<0')).toEqual({
      budgets: true,
      rules: [
        { text: 'quality<-0.02', figure: 'quality', op: '<', threshold: -0.02, relative: false },
        { text: 'timePerItem>+10%', figure: 'timePerItem', op: '>', threshold: 0.1, relative: true },
        { text: 'throughput < -5 %', figure: 'throughput', op: '<', threshold: -0.05, relative: true },
        { text: 'accuracy<0', figure: 'accuracy', op: '<', threshold: 0, relative: false },
      ],
    });
    expect(parseFailOn('budgets')).toEqual({ budgets: true, rules: [] });
    expect(parseFailOn('timePerItem>10%').rules[0]?.threshold).toBe(0.1);
  });

  it.each([
    ['', /needs at least one rule/],
    ['quality<-0.02,,budgets', /empty rule between commas/],
    ['quality-0.02', /"quality-0.02" is not a rule: write <metric><op><threshold>/],
    ['quality<=-0.02', /is not a rule/],
    ['timePerItem>fast', /is not a rule/],
    ['<0.1', /is not a rule/],
    ['quality<0.02', /would fail a run whose quality rose: a fall is written with a negative threshold, e\.g\. quality<-0\.02/],
    ['timePerItem>-10%', /would fail a run whose timePerItem fell: a rise is written with a positive threshold, e\.g\. timePerItem>\+10%/],
    ['latency<-0.1', /latency is judged on time per item; gate on that instead/],
    ['quality<+0.02', /a fall is written with a negative threshold, e\.g\. quality<-0\.02$/],
    ['throughput>-5%', /e\.g\. throughput>\+5%$/],
    ['budgets>1', /"budgets>1": budgets takes no operator or threshold \(it fails when any budget did not hold\); write budgets$/],
    ['quality<-2', /"quality<-2" can never fail: quality is a score between 0 and 1, so it cannot fall by 1 or more/],
    ['accuracy>+1', /"accuracy>\+1" can never fail: accuracy is a score between 0 and 1, so it cannot rise by 1 or more/],
    ['throughput<-100%', /"throughput<-100%" can never fail: throughput cannot fall by 100% or more/],
  ])('refuses %j with a message saying what is wrong', (text, message) => {
    expect(() => parseFailOn(text)).toThrow(message);
  });

  it('refuses a rule on a figure no scenario measures, listing the ones it could name', () => {
    const rules = parseFailOn('f1<-0.1').rules;
    expect(() => checkRuleFigures(rules, ['accuracy', 'coverage'])).toThrow('"f1<-0.1" names "f1", which no scenario of this run measures (known: quality, timePerItem, throughput, accuracy, coverage)');
    expect(() => checkRuleFigures(rules, ['accuracy', 'f1'])).not.toThrow();
  });
});

const side = (id: string): ComparisonSide => ({ ref: id, kind: 'run', id, baseline: null, runs: [id], skill: { name: 's', version: '1' }, sampleUnit: 'batch' });

function loaded(id: string, scenarios: Record<string, { timePerItem: number[]; quality?: number[] }>): LoadedSide {
  return {
    side: side(id),
    notes: [],
    scenarios: new Map(
      Object.entries(scenarios).map(([name, s]) => [name, { status: 'complete', notes: [], figures: new Map([['quality', s.quality ?? []], ['timePerItem', s.timePerItem], ['throughput', s.timePerItem.map((t) => 1000 / t)]]) }]),
    ),
  };
}

const rule = (text: string): MetricRule => parseFailOn(text).rules[0] as MetricRule;
/** Ten batch times around `center` with a small spread. */
const around = (center: number) => [-0.4, -0.3, -0.2, -0.1, 0, 0, 0.1, 0.2, 0.3, 0.4].map((d) => center + d);

describe('judgeRule', () => {
  it('fails a rise past the threshold that is significant, and names the figures and CI', () => {
    const comparison = compareSides(loaded('a', { one: { timePerItem: around(10) } }), loaded('b', { one: { timePerItem: around(12) } }));
    const verdict = judgeRule(rule('timePerItem>+10%'), comparison);
    expect(verdict.failed).toBe(true);
    expect(verdict.line).toMatch(/^fail-on timePerItem>\+10%: FAILED: one: \+20% \(10 → 12 ms\/item, 95% CI \+17\.\d% … \+22\.\d%, p <0\.001, significant\)$/);
  });

  it('passes a significant rise that stays under the threshold', () => {
    const comparison = compareSides(loaded('a', { one: { timePerItem: around(10) } }), loaded('b', { one: { timePerItem: around(10.5) } }));
    const verdict = judgeRule(rule('timePerItem>+10%'), comparison);
    expect(verdict.failed).toBe(false);
    expect(verdict.line).toMatch(/^fail-on timePerItem>\+10%: passed \(one: \+5% \(10 → 10\.5 ms\/item, 95% CI \+2\.\d% … \+7\.\d%, p <0\.001, significant\)\)$/);
  });

  it('passes a change past the threshold that is not significant (noise)', () => {
    const comparison = compareSides(loaded('a', { one: { timePerItem: [5, 15, 8, 12] } }), loaded('b', { one: { timePerItem: [6, 20, 9, 14] } }));
    const verdict = judgeRule(rule('timePerItem>+10%'), comparison);
    expect(comparison.scenarios[0]?.figures.find((f) => f.figure === 'timePerItem')?.difference?.relative).toBeGreaterThan(0.1);
    expect(verdict.failed).toBe(false);
    expect(verdict.line).toContain('not significant');
  });

  it('judges an absolute fall of quality, and names the closest scenario when every one passes', () => {
    const a = loaded('a', { x: { timePerItem: around(1), quality: around(0.8).map((q) => q / 10 + 0.72) }, y: { timePerItem: around(1), quality: around(0.8).map((q) => q / 10 + 0.72) } });
    const fell = loaded('b', { x: { timePerItem: around(1), quality: around(0.8).map((q) => q / 10 + 0.67) }, y: { timePerItem: around(1), quality: around(0.8).map((q) => q / 10 + 0.715) } });
    const verdict = judgeRule(rule('quality<-0.02'), compareSides(a, fell));
    expect(verdict.failed).toBe(true);
    expect(verdict.line).toMatch(/FAILED: x: -0\.05 /);
    expect(verdict.line).not.toMatch(/y:/);
    const slight = judgeRule(rule('quality<-0.02'), compareSides(a, loaded('b', { x: { timePerItem: around(1), quality: around(0.8).map((q) => q / 10 + 0.71) }, y: { timePerItem: around(1), quality: around(0.8).map((q) => q / 10 + 0.715) } })));
    expect(slight.failed).toBe(false);
    expect(slight.line).toMatch(/passed \(closest: x: -0\.01 /);
  });

  it('fails a rule no scenario could judge, rather than passing on no evidence', () => {
    const comparison = compareSides(loaded('a', { one: { timePerItem: [10] } }), loaded('b', { one: { timePerItem: [30] } }));
    const verdict = judgeRule(rule('timePerItem>+10%'), comparison);
    expect(verdict.failed).toBe(true);
    expect(verdict.line).toBe('fail-on timePerItem>+10%: FAILED: could not be judged in any scenario; not judged in one (fewer than two samples on a side, or timePerItem not measured)');
  });
});

function reportWith(budgets: Report['budgets']): Report {
  return { scenarios: {}, budgets } as unknown as Report;
}

describe('judgeBudgets', () => {
  const held = { held: true, limit: 1000, actual: 10, unit: 'ms' };
  it('fails when a budget did not hold, naming the scenario, budget and figures', () => {
    const broken = reportWith({ one: { time: held, memory: held, errorTolerance: held, expectedQuality: { held: false, limit: 'good', actual: 0.5, unit: 'overall score' } } });
    expect(judgeBudgets([{ id: 'r1', report: broken }])).toEqual({ rule: 'budgets', failed: true, line: 'fail-on budgets: FAILED: one expectedQuality 0.5 against good overall score' });
  });

  it('says why a broken budget whose figure reads within its limit is broken', () => {
    const stopped = { scenarios: { one: { failureReason: 'time_budget_exceeded' } }, budgets: { one: { time: { held: false, limit: 200, actual: 200, unit: 'ms' } } } } as unknown as Report;
    expect(judgeBudgets([{ id: 'r1', report: stopped }]).line).toBe('fail-on budgets: FAILED: one time 200 against 200 ms (the run stopped the scenario when it reached the limit)');
    const over = reportWith({ one: { time: { held: false, limit: 200, actual: 200.4, unit: 'ms' }, memory: held, errorTolerance: held, expectedQuality: held } });
    expect(judgeBudgets([{ id: 'r1', report: over }]).line).toBe('fail-on budgets: FAILED: one time 200.4 against 200 ms');
  });

  it('does not count a budget nothing measured as a failure, and says so', () => {
    const unmeasured = reportWith({ one: { time: held, memory: { held: null, limit: 256, actual: 'not measured', unit: 'MB' }, errorTolerance: held, expectedQuality: held } });
    expect(judgeBudgets([{ id: 'r1', report: unmeasured }])).toEqual({
      rule: 'budgets',
      failed: false,
      line: 'fail-on budgets: passed, every budget held (not measured, so not a failure: memory in one)',
    });
  });
});
