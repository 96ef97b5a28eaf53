import { describe, expect, it } from 'vitest';
import { abMetric } from '../../src/ab/abMetrics.ts';
import { buildAbReport, timeRatio, type AbBatchRow } from '../../src/ab/abReport.ts';
import { abTable } from '../../src/ab/renderAb.ts';
import type { Report } from '../../src/report/schema.ts';

/** One journal row per pair of times (ms), both versions scoring 0.9. */
function rows(a: readonly number[], b: readonly number[]): AbBatchRow[] {
  return a.map((ta, i) => ({
    cached: false,
    metrics: { [abMetric.quality('a')]: 0.9, [abMetric.quality('b')]: 0.9, [abMetric.ms('a')]: ta, [abMetric.ms('b')]: b[i] as number, [abMetric.bFirst]: i % 2 },
  }));
}

function scenario(a: readonly number[], b: readonly number[]) {
  const report = buildAbReport({ labels: { a: 'v1', b: 'v2' }, scenarios: [{ name: 's', rows: rows(a, b) }] });
  const s = report.scenarios.s;
  if (!s) throw new Error('no scenario s');
  return { report, s };
}

describe('A/B time ratio', () => {
  it('is the geometric mean of b/a with a paired t on the log ratios (worked by hand)', () => {
    // Ratios 2, 0.5, 1: logs ln 2, −ln 2, 0; mean 0, so b/a = 1. Their sd is ln 2, the standard error ln 2 / √3,
    // and t(0.975, 2 df) = 4.30265: the interval is exp(±4.30265 × 0.693147 / 1.732051) = exp(±1.72188) = 0.17873 … 5.59500.
    const ratio = timeRatio([10, 10, 10], [20, 5, 10]);
    expect(ratio?.n).toBe(3);
    expect(ratio?.estimate).toBeCloseTo(1, 10);
    expect(ratio?.ci95?.low).toBeCloseTo(0.17873, 4);
    expect(ratio?.ci95?.high).toBeCloseTo(5.595, 3);
    expect(ratio?.pValue).toBeCloseTo(1, 10);
    expect(ratio?.significant).toBe(false);
  });

  it('stays above −100 % where the arithmetic relative interval does not (one slow batch of a)', () => {
    // a = 10, 10, 10, 10, 100 ms; b = 11, 11, 11, 11, 10 ms. Arithmetic: the differences 1, 1, 1, 1, −90 have mean
    // −17.2 ms, sd 40.696, so the paired-t interval is −17.2 ± 2.77645 × 40.696 / √5 = −67.73 … +33.33 ms: over a's
    // mean of 28 ms, −241.9 % … +119.0 %, a bound below −100 % for a time. Log ratios: 4 × ln 1.1 and ln 0.1, mean
    // (4 × 0.0953102 − 2.3025851) / 5 = −0.384269, so b/a = exp(−0.384269) = 0.68095 (−31.9 %); sd 1.072371, and
    // exp(−0.384269 ± 2.77645 × 1.072371 / √5) = 0.17982 … 2.57862, i.e. −82.0 % … +157.9 %.
    const { s } = scenario([10, 10, 10, 10, 100], [11, 11, 11, 11, 10]);
    const d = s.timeMs.difference;
    expect(d?.estimate).toBeCloseTo(-17.2, 10);
    expect((d?.ci95?.low ?? 0) / 28).toBeLessThan(-1);
    expect(s.timeRatio?.estimate).toBeCloseTo(0.68095, 4);
    expect(s.timeRatio?.ci95?.low).toBeCloseTo(0.17982, 4);
    expect(s.timeRatio?.ci95?.high).toBeCloseTo(2.57862, 4);
    expect(s.timeVerdict).toBe(
      'no significant difference in time per batch (b/a −31.9%, geometric mean of b/a over 5 pairs, 95% CI −82.0% … +157.9%, p = 0.47; mean difference −17.20 ms, 95% CI −67.73 … +33.33 ms)',
    );
  });

  it('finds a constant ratio exact and significant, and prints it in the table', () => {
    // b = 1.2 × a in every pair: every log ratio is ln 1.2, so the interval is 1.2 … 1.2 and p = 0.
    const { report, s } = scenario([10, 20, 40], [12, 24, 48]);
    expect(s.timeRatio?.estimate).toBeCloseTo(1.2, 10);
    expect(s.timeRatio?.ci95?.low).toBeCloseTo(1.2, 10);
    expect(s.timeRatio?.significant).toBe(true);
    expect(s.timeVerdict).toMatch(/^b takes 20\.0% more time per batch than a \(geometric mean of b\/a over 3 pairs, 95% CI \+20\.0% … \+20\.0%, p < 0\.001; mean difference \+4\.67 ms/);
    const table = abTable({ ab: report } as unknown as Report);
    expect(table?.header).toContain('b/a time (95% CI)');
    expect(table?.rows[0]?.[8]).toBe('+20.0% (+20.0% … +20.0%)');
    expect(table?.rows[0]?.[9]).toBe('< 0.001');
  });

  it('leaves out a pair with a 0 ms time (it has no log ratio) and says so', () => {
    const { s } = scenario([10, 20, 40, 0], [12, 24, 48, 1]);
    expect(s.timeMs.n).toBe(4);
    expect(s.timeRatio?.n).toBe(3);
    expect(s.timeVerdict).toContain('over 3 pairs (1 with a 0 ms time left out)');
    expect(timeRatio([0, 0], [0, 1])).toBeNull();
  });
});
