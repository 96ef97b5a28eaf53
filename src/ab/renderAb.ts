import { formatMs } from '../report/format.ts';
import type { Report } from '../report/schema.ts';
import type { Difference } from '../report/stats.ts';
import { formatP, ratioPercent } from './abReport.ts';
import type { AbMeasure, AbScenario } from './abReportSchema.ts';

/** The A/B block every text renderer shares: a title, a table (one row per scenario) and the verdicts. */
export interface AbTable {
  title: string;
  header: string[];
  rows: string[][];
  notes: string[];
}

const signed = (value: number, digits: number) => {
  const text = Math.abs(value).toFixed(digits);
  return Number(text) === 0 ? text : `${value < 0 ? '−' : '+'}${text}`;
};

const mean = (m: AbMeasure, side: 'a' | 'b') => m[side]?.mean;

/** b − a in quality points (×100), with its CI: `−5.0 (−6.3 … −3.9)`. */
function pointsCell(d: Difference | null): string {
  if (d === null) return '-';
  const ci = d.ci95 ? ` (${signed(d.ci95.low * 100, 1)} … ${signed(d.ci95.high * 100, 1)})` : '';
  return `${signed(d.estimate * 100, 1)}${ci}`;
}

/**
 * b's time per batch relative to a's, from the geometric mean of the pairs' ratios: `+12.0% (+8.1% … +15.9%)`;
 * in ms (the mean paired difference) when no pair has two times above 0 ms.
 */
function timeCell(s: AbScenario): string {
  const ratio = s.timeRatio;
  if (ratio) return `${ratioPercent(ratio.estimate)}${ratio.ci95 ? ` (${ratioPercent(ratio.ci95.low)} … ${ratioPercent(ratio.ci95.high)})` : ''}`;
  const d = s.timeMs.difference;
  if (d === null) return '-';
  return `${signed(d.estimate, 2)} ms${d.ci95 ? ` (${signed(d.ci95.low, 2)} … ${signed(d.ci95.high, 2)} ms)` : ''}`;
}

const pText = (p: number | null | undefined) => (p == null ? '-' : formatP(p).replace('p ', '').replace('= ', ''));
const pCell = (d: Difference | null) => pText(d?.pValue);
const timePCell = (s: AbScenario) => (s.timeRatio ? pText(s.timeRatio.pValue) : pCell(s.timeMs.difference));

/** The A/B block of a report, or undefined for a report of one skill. */
export function abTable(report: Report): AbTable | undefined {
  const { ab } = report;
  if (!ab) return undefined;
  const header = ['Scenario', 'Pairs', 'Quality a', 'Quality b', 'b − a (points, 95% CI)', 'p', 'Time/batch a', 'Time/batch b', 'b/a time (95% CI)', 'p (time)'];
  const rows: string[][] = [];
  const notes: string[] = [];
  for (const [name, s] of Object.entries(ab.scenarios)) {
    const qa = mean(s.quality, 'a');
    const qb = mean(s.quality, 'b');
    const ta = mean(s.timeMs, 'a');
    const tb = mean(s.timeMs, 'b');
    rows.push([
      name,
      String(s.pairedBatches),
      qa === undefined ? '-' : qa.toFixed(4),
      qb === undefined ? '-' : qb.toFixed(4),
      pointsCell(s.quality.difference),
      pCell(s.quality.difference),
      ta === undefined ? '-' : formatMs(ta),
      tb === undefined ? '-' : formatMs(tb),
      timeCell(s),
      timePCell(s),
    ]);
    notes.push(`${name}: ${s.verdict}`, `${name}: time: ${s.timeVerdict}`);
    if (s.unpairedBatches > 0) notes.push(`${name}: ${s.unpairedBatches} recorded batch(es) without both versions' figures (failed after every retry) left out`);
  }
  notes.push(`a ran first in ${sum(ab, 'a')} batches, b in ${sum(ab, 'b')} (they alternate); the scenarios' own quality is the mean of both versions and their busy time covers both`);
  return { title: `A/B: a = ${ab.versions.a}, b = ${ab.versions.b} (paired by batch: both ran on the same items)`, header, rows, notes };
}

const sum = (ab: NonNullable<Report['ab']>, side: 'a' | 'b') => Object.values(ab.scenarios).reduce((total, s) => total + s.ranFirst[side], 0);
