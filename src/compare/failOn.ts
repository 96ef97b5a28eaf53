import { UsageError } from '../errors.ts';
import { ownValue } from '../ownKeys.ts';
import type { BudgetCheck, FailureReason, Report } from '../report/schema.ts';
import { formatP, formatRelative, formatValue } from './formatFigures.ts';
import type { Comparison, FigureComparison } from './schema.ts';

/**
 * `--fail-on "budgets,quality<-0.02,timePerItem>+10%"`: when a finished run (or experiment) fails its gate.
 * A metric rule fails when the difference from the reference (b − a) is past its threshold in the rule's
 * direction AND significant (Welch's p < 0.05); `budgets` fails when any scenario's budget did not hold.
 */

/** `<figure><op><threshold>`: `quality<-0.02` (absolute) or `timePerItem>+10%` (relative to the reference's mean). */
export interface MetricRule {
  /** As written (trimmed), for messages. */
  text: string;
  /** `quality` (overall), `timePerItem`, `throughput`, or a quality metric's name. */
  figure: string;
  op: '<' | '>';
  /** Signed: a fall is negative, a rise positive; a fraction when `relative` (10% is 0.1). */
  threshold: number;
  relative: boolean;
}

export interface FailOn {
  budgets: boolean;
  rules: MetricRule[];
}

/** One rule's outcome, and the line that says it. */
export interface RuleVerdict {
  rule: string;
  failed: boolean;
  line: string;
}

const RULE = /^(.+?)\s*([<>])\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+))\s*(%?)$/;
const EXAMPLES = 'e.g. quality<-0.02, timePerItem>+10%, throughput<-5% or budgets';

/** Parses the `--fail-on` list; every problem is a UsageError (exit 2) naming the rule and what is wrong. */
export function parseFailOn(text: string): FailOn {
  const items = text.split(',').map((s) => s.trim());
  if (items.every((s) => s === '')) throw new UsageError(`--fail-on needs at least one rule (${EXAMPLES})`);
  const failOn: FailOn = { budgets: false, rules: [] };
  for (const item of items) {
    if (item === '') throw new UsageError(`--fail-on "${text}" has an empty rule between commas`);
    if (item === 'budgets') {
      failOn.budgets = true;
      continue;
    }
    if (/^budgets\s*[<>=]/.test(item)) throw new UsageError(`--fail-on: "${item}": budgets takes no operator or threshold (it fails when any budget did not hold); write budgets`);
    const match = RULE.exec(item);
    if (!match) throw new UsageError(`--fail-on: "${item}" is not a rule: write <metric><op><threshold> with op < or > (${EXAMPLES})`);
    const [, figure = '', op = '<', number = '0', percent = ''] = match;
    const value = Number(number);
    const threshold = percent === '%' ? value / 100 : value;
    const magnitude = number.replace(/^[+-]/, '');
    if (op === '<' && threshold > 0) throw new UsageError(`--fail-on: "${item}" would fail a run whose ${figure} rose: a fall is written with a negative threshold, e.g. ${figure}<-${magnitude}${percent}`);
    if (op === '>' && threshold < 0) throw new UsageError(`--fail-on: "${item}" would fail a run whose ${figure} fell: a rise is written with a positive threshold, e.g. ${figure}>+${magnitude}${percent}`);
    if (figure === 'latency') throw new UsageError(`--fail-on: "${item}": latency is judged on time per item; gate on that instead, e.g. timePerItem>+10%`);
    const never = neverFails(figure, op === '>' ? '>' : '<', threshold, percent === '%');
    if (never !== undefined) throw new UsageError(`--fail-on: "${item}" can never fail: ${never}`);
    failOn.rules.push({ text: item, figure, op: op === '>' ? '>' : '<', threshold, relative: percent === '%' });
  }
  return failOn;
}

/** Figures that are not scores: every other (quality and each quality metric) lies between 0 and 1. */
const UNBOUNDED = new Set(['timePerItem', 'throughput']);

/**
 * Why a rule can never fail, or undefined. A score lies in 0..1, so it cannot fall or rise by 1 or more; no
 * figure here is negative, so none can fall by 100% or more of the reference.
 */
function neverFails(figure: string, op: '<' | '>', threshold: number, relative: boolean): string | undefined {
  if (relative) return op === '<' && threshold <= -1 ? `${figure} cannot fall by 100% or more (it is never negative); a fall is a share under 100%, e.g. ${figure}<-5%` : undefined;
  if (UNBOUNDED.has(figure)) return undefined;
  if (op === '<' && threshold <= -1) return `${figure} is a score between 0 and 1, so it cannot fall by 1 or more; e.g. ${figure}<-0.02`;
  if (op === '>' && threshold >= 1) return `${figure} is a score between 0 and 1, so it cannot rise by 1 or more; e.g. ${figure}>+0.02`;
  return undefined;
}

/** Refuses (exit 2, before anything runs) a rule on a figure no scenario of the run has. */
export function checkRuleFigures(rules: readonly MetricRule[], qualityMetrics: readonly string[]): void {
  const known = new Set(['quality', 'timePerItem', 'throughput', ...qualityMetrics.filter((m) => m !== 'latency')]);
  for (const rule of rules) {
    if (!known.has(rule.figure)) {
      throw new UsageError(`--fail-on: "${rule.text}" names "${rule.figure}", which no scenario of this run measures (known: ${[...known].join(', ')})`);
    }
  }
}

interface ScenarioJudgement {
  scenario: string;
  change: number;
  failed: boolean;
  figure: FigureComparison;
}

/** The change a rule reads: the absolute difference, or relative to the reference's mean (null when that is 0). */
function changeOf(rule: MetricRule, figure: FigureComparison): number | null {
  const d = figure.difference;
  if (!d) return null;
  return rule.relative ? d.relative : d.estimate;
}

function describe(rule: MetricRule, j: ScenarioJudgement): string {
  const { figure } = j;
  const d = figure.difference;
  const a = figure.a?.mean;
  const b = figure.b?.mean;
  const change = rule.relative ? formatRelative(j.change) : formatValue(j.change, figure.unit, true);
  // A relative CI is the absolute one over the reference's mean (that mean taken as exact).
  const scale = (v: number) => (rule.relative ? formatRelative(a ? v / a : null) : formatValue(v, figure.unit, true));
  const ci = d?.ci95 ? `95% CI ${scale(d.ci95.low)} … ${scale(d.ci95.high)}` : 'no CI';
  const means = a === undefined || b === undefined ? '' : `${formatValue(a, figure.unit)} → ${formatValue(b, figure.unit)} ${figure.unit}, `;
  return `${j.scenario}: ${change} (${means}${ci}, p ${formatP(d?.pValue ?? null)}${d?.significant ? ', significant' : ', not significant'})`;
}

/**
 * Judges one metric rule in every scenario the comparison has: it fails where the change is past the
 * threshold and significant. A rule no scenario could judge (too few samples on a side, or the figure
 * missing) fails too: a gate must not pass on no evidence.
 */
export function judgeRule(rule: MetricRule, comparison: Comparison): RuleVerdict {
  const judged: ScenarioJudgement[] = [];
  const unjudged: string[] = [];
  for (const scenario of comparison.scenarios) {
    const figure = scenario.figures.find((f) => f.figure === rule.figure);
    const change = figure ? changeOf(rule, figure) : null;
    if (!figure || change === null || figure.difference?.ci95 == null) {
      unjudged.push(scenario.scenario);
      continue;
    }
    const past = rule.op === '<' ? change < rule.threshold : change > rule.threshold;
    judged.push({ scenario: scenario.scenario, change, failed: past && figure.difference.significant, figure });
  }
  const head = `fail-on ${rule.text}:`;
  const skipped = unjudged.length > 0 ? `; not judged in ${unjudged.join(', ')} (fewer than two samples on a side, or ${rule.figure} not measured)` : '';
  if (judged.length === 0) {
    return { rule: rule.text, failed: true, line: `${head} FAILED: could not be judged in any scenario${skipped || ' (no scenario in both)'}` };
  }
  const failures = judged.filter((j) => j.failed);
  if (failures.length > 0) return { rule: rule.text, failed: true, line: `${head} FAILED: ${failures.map((j) => describe(rule, j)).join('; ')}${skipped}` };
  // The scenario that came closest to failing: the change furthest in the rule's direction.
  const worst = judged.reduce((w, j) => ((rule.op === '<' ? j.change < w.change : j.change > w.change) ? j : w));
  return { rule: rule.text, failed: false, line: `${head} passed (${judged.length > 1 ? 'closest: ' : ''}${describe(rule, worst)})${skipped}` };
}

/** The failure that stops a scenario when each budget the run enforces runs out. */
const ENFORCED: Record<string, FailureReason> = { time: 'time_budget_exceeded', memory: 'memory_limit_exceeded', errorTolerance: 'error_tolerance_exceeded' };

/**
 * Why a broken budget whose figure reads within its limit is broken, so a FAILED line never reads "200 against
 * 200 ms" unexplained: the run stopped the scenario when it reached the limit, or it was over by less than the
 * figure's last decimal (3 for ms and MB, 4 for a ratio).
 */
function whyBroken(name: string, check: BudgetCheck, stoppedBy: FailureReason | undefined): string {
  if (typeof check.actual !== 'number' || typeof check.limit !== 'number' || check.actual > check.limit) return '';
  if (stoppedBy !== undefined && ownValue(ENFORCED, name) === stoppedBy) return ' (the run stopped the scenario when it reached the limit)';
  return ' (over the limit by less than the last decimal shown)';
}

/**
 * `budgets`: fails when any scenario's budget did not hold in any of the finished runs' reports. A budget
 * nothing measured (`held: null`, e.g. memory without worker isolation) is not a failure, and is said so.
 */
export function judgeBudgets(reports: readonly { id: string; report: Report }[]): RuleVerdict {
  const broken: string[] = [];
  const unmeasured = new Set<string>();
  const many = reports.length > 1;
  for (const { id, report } of reports) {
    for (const [scenario, budgets] of Object.entries(report.budgets)) {
      const stoppedBy = ownValue(report.scenarios, scenario)?.failureReason;
      for (const [name, check] of Object.entries(budgets)) {
        if (check.held === false) broken.push(`${scenario} ${name} ${String(check.actual)} against ${String(check.limit)} ${check.unit}${whyBroken(name, check, stoppedBy)}${many ? ` in ${id}` : ''}`);
        if (check.held === null) unmeasured.add(`${name} in ${scenario}`);
      }
    }
  }
  const note = unmeasured.size > 0 ? ` (not measured, so not a failure: ${[...unmeasured].join(', ')})` : '';
  if (broken.length > 0) return { rule: 'budgets', failed: true, line: `fail-on budgets: FAILED: ${broken.join('; ')}${note}` };
  return { rule: 'budgets', failed: false, line: `fail-on budgets: passed, every budget held${note}` };
}
