import { describe, expect, it } from 'vitest';
import type { BatchDoneEvent } from '../../src/machines/events.ts';
import { applyBatch, initialProgress, planScenario, type ScenarioPlan } from '../../src/machines/scenarioPlan.ts';
import { buildReport } from '../../src/report/buildReport.ts';
import { renderMarkdown } from '../../src/report/renderMarkdown.ts';
import { renderText } from '../../src/report/renderText.ts';
import type { ScenarioProgress } from '../../src/report/schema.ts';
import { config, outcome } from './fixtures.ts';

function planFor(name: string): ScenarioPlan {
  const definition = config.scenarios.find((s) => s.name === name);
  if (!definition) throw new Error(`no scenario ${name}`);
  return planScenario({ orchestrationId: 'run-1', definition, seed: 42, milestones: config.milestones, barriers: [], retry: config.retry });
}

/** Folds every batch of a scenario through applyBatch: those in `cached` come from the cache, the rest take `msPerItem`. */
function ranScenario(name: string, cached: (index: number) => boolean, msPerItem: number): ScenarioProgress {
  const plan = planFor(name);
  let progress: ScenarioProgress = { ...initialProgress(plan), status: 'running', startedAt: 0 };
  for (let index = 0; index < plan.batchesTotal; index++) {
    const items = Math.min(plan.batchSize, plan.inputSize - index * plan.batchSize);
    const fromCache = cached(index);
    const event: BatchDoneEvent = {
      type: 'batch.done',
      at: index + 1,
      index,
      attempt: 1,
      items,
      itemsFailed: 0,
      qualityScore: 0.9,
      metrics: {},
      // A cached batch replayed from the journal after a restore carries the lookup's few ms: not busy time.
      durationMs: fromCache ? 3 : items * msPerItem,
      memoryMb: 10,
      replayed: false,
      ...(fromCache ? { cached: true } : {}),
    };
    progress = applyBatch(progress, plan, event, 0);
  }
  return { ...progress, status: 'complete', finishedAt: 1_000 };
}

describe('batches taken from the cache in progress and the report', () => {
  // simple: all 10 batches cached; medium: 2 of 6 (100 of 300 items); complex: none, 10 ms per item.
  const simple = ranScenario('simple', () => true, 10);
  const medium = ranScenario('medium', (i) => i < 2, 10);
  const complex = ranScenario('complex', () => false, 10);
  const report = buildReport(outcome([simple, medium, complex]), config);

  it('counts cached batches and items per scenario and adds no busy time for them', () => {
    expect([simple, medium, complex].map((p) => [p.name, p.batchCount, p.cachedBatches, p.cachedItems, p.itemsProcessed, p.busyMs])).toEqual([
      ['simple', 10, 10, 100, 100, 0],
      ['medium', 6, 2, 100, 300, 2_000],
      ['complex', 8, 0, 0, 800, 8_000],
    ]);
    expect([report.scenarios.simple, report.scenarios.medium, report.scenarios.complex].map((s) => [s?.cachedBatches, s?.cachedItems])).toEqual([
      [10, 100],
      [2, 100],
      [0, 0],
    ]);
  });

  it('reads progress saved before the cache was counted (no cached fields) as nothing cached', () => {
    const older: ScenarioProgress = { ...complex };
    delete older.cachedBatches;
    delete older.cachedItems;
    const rebuilt = buildReport(outcome([older]), config);
    expect(rebuilt.scenarios.complex).toMatchObject({ cachedBatches: 0, cachedItems: 0 });
    expect(rebuilt.comparison.timePerItemMs.complex).toBe(10);
    const plan = planFor('complex');
    const next = applyBatch(older, plan, { type: 'batch.done', at: 5, index: 0, attempt: 1, items: 100, itemsFailed: 0, qualityScore: 1, metrics: {}, durationMs: 0, memoryMb: 0, replayed: false, cached: true }, 0);
    expect([next.cachedBatches, next.cachedItems]).toEqual([1, 100]);
  });

  it('computes busy time per item over the items the skill processed, and gives none (not 0 ms) for a scenario all from the cache', () => {
    expect(report.comparison.timePerItemMs.simple).toBeNull();
    expect(report.comparison.timePerItemMs.medium).toBe(10);
    expect(report.comparison.timePerItemMs.complex).toBe(10);
  });

  it('fits scaling on the batches the skill ran, and says why an all-cached scenario is left out', () => {
    const { scaling } = report.comparison;
    // medium: 200 items in 2 s, complex: 800 items in 8 s: exactly linear once cached items are left out.
    expect(scaling.exponent).toBe(1);
    expect(scaling.basis).toContain('across 2 completed scenarios');
    expect(scaling.notes).toContain('Left out because every batch came from the cache, so the skill never ran: simple.');
    expect(scaling.notes).toContain('Batches taken from the cache are left out (medium 2 of 6): the fit counts only the items and batches the skill ran.');
    expect(scaling.notes.join(' ')).not.toContain('lack of items');
  });

  it('says in the recommendations which figures the cache leaves without the skill', () => {
    expect(report.recommendations).toContain(
      'Scenario "simple" took all 10 batches from the cache (cacheEnabled), so the skill never ran and it has no busy time or time per item: run it with --no-cache (or without cacheEnabled) to measure it.',
    );
    expect(report.recommendations).toContain(
      'Scenario "medium" took 2 of its 6 batches from the cache (cacheEnabled): its busy time and time per item cover only the batches the skill ran.',
    );
    expect(report.recommendations.join(' ')).not.toContain('"complex" took');
  });

  it('shows the cached batches per scenario in the text and Markdown reports', () => {
    const text = renderText(report);
    expect(text).toMatch(/^ {2}simple +complete +100 +0 +10 \(10 cached\) .* all cached +/m);
    expect(text).toMatch(/^ {2}medium +complete +300 +0 +6 \(2 cached\) .* 10 ms +/m);
    expect(text).toMatch(/^ {2}complex +complete +800 +0 +8 +/m);
    expect(text).toContain(
      [
        'Cache (cached batches are not in busy time, time per item or the scaling fit)',
        '  simple: 10 of 10 batches (100 items) from the cache',
        '  medium: 2 of 6 batches (100 items) from the cache',
        '',
      ].join('\n'),
    );
    const markdown = renderMarkdown(report);
    expect(markdown).toContain('| simple | complete | 100 | 0 | 10 (10 cached) |');
    expect(markdown).toContain('- simple: 10 of 10 batches (100 items) from the cache\n- medium: 2 of 6 batches (100 items) from the cache\n');
  });

  it('adds no cache section when no batch came from the cache', () => {
    const plain = buildReport(outcome([complex]), config);
    expect(renderText(plain)).not.toContain('Cache');
    expect(renderMarkdown(plain)).not.toContain('from the cache');
  });
});
