import { describe, expect, it } from 'vitest';
import { abSkill } from '../../src/ab/abSkill.ts';
import { loadAbSkill } from '../../src/ab/loadAbSkill.ts';
import { createOrchestration } from '../../src/api/createOrchestration.ts';
import { defineSkill } from '../../src/actors/skill.ts';
import type { OrchestrationConfigInput } from '../../src/config/schema.ts';
import { ReportSchema } from '../../src/report/schema.ts';
import { renderMarkdown } from '../../src/report/renderMarkdown.ts';
import { renderText } from '../../src/report/renderText.ts';
import { accuracySkill, correctAt } from '../fixtures/ab/accuracySkill.ts';

const config = (inputSize: number, batchSize: number, params: Record<string, unknown> = {}): OrchestrationConfigInput => ({
  seed: 3,
  barriers: { at: [], timeoutMs: 5000 },
  retry: { maxAttempts: 3, backoffMs: 1 },
  skill: { name: 'simulated', params },
  scenarios: [{ name: 'all', inputSize, timeBudgetSeconds: 120, memoryLimitMb: 100_000, errorTolerance: 0.5, skillParams: { batchSize }, expectedQuality: 'basic', qualityMetrics: ['accuracy'] }],
});

describe('A/B run', () => {
  it('finds a 5-point accuracy drop on the same 800 items significant, with a CI that holds −0.05', async () => {
    const run = createOrchestration(config(800, 10), { skill: abSkill({ skill: accuracySkill('0.90', 0.9) }, { skill: accuracySkill('0.85', 0.85) }) });
    run.start();
    const report = ReportSchema.parse(await run.result);
    const all = report.ab?.scenarios.all;
    expect(report.ab?.versions).toEqual({ a: 'accuracy@0.90', b: 'accuracy@0.85' });
    expect(all?.pairedBatches).toBe(80);
    const d = all?.quality.difference;
    // The items the fixture gets right: the exact difference on these 800 items, which the mean of the pairs must equal.
    const ids = Array.from({ length: 800 }, (_, i) => i);
    const exact = (ids.filter((id) => correctAt(id, 0.85)).length - ids.filter((id) => correctAt(id, 0.9)).length) / 800;
    expect(d?.estimate).toBeCloseTo(exact, 10);
    expect(d?.significant).toBe(true);
    expect(d?.pValue).toBeLessThan(0.001);
    expect(d?.ci95?.method).toBe('paired-t');
    expect(d?.ci95?.low).toBeLessThan(-0.05);
    expect(d?.ci95?.high).toBeGreaterThan(-0.05);
    expect(all?.quality.a?.mean).toBeGreaterThan(all?.quality.b?.mean ?? 1);
    expect(all?.verdict).toMatch(/^b is \d\.\d points less accurate than a \(95% CI −\d\.\d … −\d\.\d, p < 0\.001\)$/);
    expect(all?.ranFirst.a).toBe(40);
    expect(all?.ranFirst.b).toBe(40);
    // The scenario's own quality is the mean of both versions'.
    expect(report.scenarios.all?.qualityScores.accuracy).toBeCloseTo(((all?.quality.a?.mean ?? 0) + (all?.quality.b?.mean ?? 0)) / 2, 3);
    const text = renderText(report);
    expect(text).toContain('A/B: a = accuracy@0.90, b = accuracy@0.85');
    expect(text).toContain(`all: ${all?.verdict ?? '?'}`);
    expect(renderMarkdown(report)).toContain('## A/B: a = accuracy@0.90');
  });

  it('reports no significant difference between two identical versions (estimate 0)', async () => {
    const run = createOrchestration(config(800, 10), { skill: abSkill({ skill: accuracySkill('0.90', 0.9) }, { skill: accuracySkill('0.90', 0.9) }) });
    run.start();
    const all = (await run.result).ab?.scenarios.all;
    expect(all?.quality.difference?.estimate).toBe(0);
    expect(all?.quality.difference?.significant).toBe(false);
    expect(all?.verdict).toMatch(/^no significant difference in quality \(b − a = 0\.0 points/);
  });

  it('draws the same seeded stream for two copies of the built-in simulated skill through the runner, so they score alike', async () => {
    const loaded = await loadAbSkill([{ name: 'simulated' }, { name: 'simulated' }]);
    const run = createOrchestration({ ...config(300, 10, { latencyMs: 0 }), skills: [{ name: 'simulated' }, { name: 'simulated' }] }, { skill: loaded.skill });
    run.start();
    const all = (await run.result).ab?.scenarios.all;
    expect(all?.pairedBatches).toBe(30);
    // The simulated skill's quality is a draw of its stream (0.85..1), so equal pairs mean equal streams.
    expect(all?.quality.a?.standardDeviation).toBeGreaterThan(0);
    expect(all?.quality.difference?.estimate).toBe(0);
    expect(all?.quality.a).toEqual(all?.quality.b);
  });

  it('finds version b slower when it is, per batch', async () => {
    const sleepy = (version: string, ms: number) =>
      defineSkill<unknown>({ name: 'sleepy', version, run: async (items) => (await new Promise((r) => setTimeout(r, ms)), { qualityScore: 0.9, processed: items.length }) });
    // 2 ms against 40: a loaded machine's timer lateness (often 10 ms or more) must not close the gap.
    const run = createOrchestration(config(200, 10), { skill: abSkill({ skill: sleepy('fast', 2) }, { skill: sleepy('slow', 40) }) });
    run.start();
    const all = (await run.result).ab?.scenarios.all;
    expect(all?.timeMs.n).toBe(20);
    expect(all?.timeMs.difference?.significant).toBe(true);
    expect(all?.timeMs.difference?.estimate).toBeGreaterThan(20);
    expect(all?.timeVerdict).toMatch(/^b takes [\d.]+% more time per batch than a/);
    expect(all?.quality.difference?.significant).toBe(false);
  });

  it('retries both versions together when one fails, and leaves a batch that failed every retry out of the pairs', async () => {
    const calls: string[] = [];
    const steady = defineSkill<unknown>({ name: 'steady', version: '1', run: (items, ctx) => (calls.push(`a${ctx.batchIndex}.${ctx.attempt}`), { qualityScore: 0.8, processed: items.length }) });
    const flaky = defineSkill<unknown>({
      name: 'flaky',
      version: '1',
      run: (items, ctx) => {
        calls.push(`b${ctx.batchIndex}.${ctx.attempt}`);
        if (ctx.batchIndex === 1 && ctx.attempt === 1) throw new Error('blip');
        if (ctx.batchIndex === 3) throw new Error('always');
        return { qualityScore: 0.7, processed: items.length };
      },
    });
    const run = createOrchestration(config(50, 10), { skill: abSkill({ skill: steady }, { skill: flaky }) });
    run.start();
    const report = await run.result;
    const all = report.ab?.scenarios.all;
    // Batch 1 failed once in b: a ran again with it on the retry.
    expect(calls.filter((c) => c.startsWith('a1.'))).toEqual(['a1.1', 'a1.2']);
    expect(all?.pairedBatches).toBe(4);
    expect(all?.unpairedBatches).toBe(1);
    expect(report.scenarios.all?.errors.some((e) => e.message.includes('version b (flaky@1) failed: always'))).toBe(true);
    expect(renderText(report)).toContain("all: 1 recorded batch(es) without both versions' figures");
  });
});
