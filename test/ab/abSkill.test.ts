import { describe, expect, it } from 'vitest';
import { abMetric } from '../../src/ab/abMetrics.ts';
import { abSkill, firstSide, labelsOf } from '../../src/ab/abSkill.ts';
import { randomFor } from '../../src/actors/seededRandom.ts';
import { defineSkill, type SkillContext } from '../../src/actors/skill.ts';

function context(batchIndex: number, overrides: Partial<SkillContext> = {}): SkillContext {
  const random = randomFor(42, 'sc', 'batch', batchIndex, 1);
  return { scenario: 'sc', params: { batchSize: 4, shared: 's' }, signal: new AbortController().signal, batchIndex, attempt: 1, idempotencyKey: `run/sc/batch/${batchIndex}`, seed: 42, random, ...overrides };
}

/** A skill that notes what it was called with, in one shared log, and scores by its first draw. */
function probe(name: string, log: { name: string; ctx: SkillContext }[]) {
  return defineSkill<unknown>({
    name,
    version: '1',
    run(items, ctx) {
      log.push({ name, ctx });
      return { qualityScore: ctx.random(), processed: items.length, metrics: { own: 0.5 } };
    },
  });
}

describe('abSkill', () => {
  it('alternates which version runs first, batch by batch, from a seeded start', async () => {
    const log: { name: string; ctx: SkillContext }[] = [];
    const skill = abSkill({ skill: probe('A', log) }, { skill: probe('B', log) });
    const firsts: string[] = [];
    for (let index = 0; index < 6; index += 1) {
      log.length = 0;
      const result = await skill.run([1, 2], context(index));
      firsts.push(log[0]?.name ?? '?');
      expect(result.metrics?.[abMetric.bFirst]).toBe(log[0]?.name === 'B' ? 1 : 0);
      expect(log.map((e) => e.name).sort()).toEqual(['A', 'B']);
    }
    // Alternating: never the same version first in two consecutive batches, so each goes first in 3 of 6.
    for (let i = 1; i < firsts.length; i += 1) expect(firsts[i]).not.toBe(firsts[i - 1]);
    expect(firsts.filter((f) => f === 'A')).toHaveLength(3);
    // The start depends on (seed, scenario): some scenario starts with b.
    const starts = new Set(['s1', 's2', 's3', 's4', 's5', 's6', 's7', 's8'].map((s) => firstSide(42, s, 0)));
    expect(starts).toEqual(new Set(['a', 'b']));
  });

  it('gives each version the random stream a run of it alone would get, so identical versions score the same', async () => {
    const log: { name: string; ctx: SkillContext }[] = [];
    const skill = abSkill({ skill: probe('same', log) }, { skill: probe('same', log) });
    for (let index = 0; index < 5; index += 1) {
      const result = await skill.run([1], context(index));
      const alone = randomFor(42, 'sc', 'batch', index, 1)();
      expect(result.metrics?.[abMetric.quality('a')]).toBe(alone);
      expect(result.metrics?.[abMetric.quality('b')]).toBe(alone);
    }
  });

  it('gives each version its own idempotency key, params over the scenario\'s, and the batch\'s signal', async () => {
    const log: { name: string; ctx: SkillContext }[] = [];
    const skill = abSkill({ skill: probe('A', log), params: { temperature: 0.2 } }, { skill: probe('B', log), params: { temperature: 0.7, shared: 'b' } });
    const controller = new AbortController();
    await skill.run([1], context(0, { signal: controller.signal }));
    const byName = Object.fromEntries(log.map((e) => [e.name, e.ctx]));
    expect(byName.A?.idempotencyKey).toBe('run/sc/batch/0/ab/a');
    expect(byName.B?.idempotencyKey).toBe('run/sc/batch/0/ab/b');
    expect(byName.A?.params).toEqual({ batchSize: 4, shared: 's', temperature: 0.2 });
    expect(byName.B?.params).toEqual({ batchSize: 4, shared: 'b', temperature: 0.7 });
    expect(byName.A?.signal).toBe(controller.signal);
    expect(skill.labels).toEqual({ a: 'A@1 {"temperature":0.2}', b: 'B@1 {"temperature":0.7,"shared":"b"}' });
    expect(labelsOf(skill)).toEqual(skill.labels);
  });

  it('keeps each version\'s quality, time, items and metrics, and combines them for the scenario', async () => {
    const a = defineSkill<unknown>({ name: 'a', version: '1', run: () => ({ qualityScore: 0.9, processed: 3, metrics: { f1: 0.8, onlyA: 1 }, memoryMb: 10 }) });
    const b = defineSkill<unknown>({
      name: 'b',
      version: '1',
      run: async () => {
        await new Promise((r) => setTimeout(r, 30));
        return { qualityScore: 0.5, processed: 4, metrics: { f1: 0.6 }, memoryMb: 20 };
      },
    });
    const result = await abSkill({ skill: a }, { skill: b }).run([1, 2, 3, 4], context(0));
    expect(result.qualityScore).toBeCloseTo(0.7);
    expect(result.processed).toBe(3);
    expect(result.memoryMb).toBe(20);
    const m = result.metrics ?? {};
    expect(m.f1).toBeCloseTo(0.7);
    expect(m.onlyA).toBeUndefined();
    expect(m[abMetric.quality('a')]).toBe(0.9);
    expect(m[abMetric.quality('b')]).toBe(0.5);
    expect(m[abMetric.processed('a')]).toBe(3);
    expect(m[abMetric.own('a', 'onlyA')]).toBe(1);
    expect(m[abMetric.ms('b')]).toBeGreaterThanOrEqual(25);
    expect(m[abMetric.ms('a')]).toBeLessThan(25);
  });

  it('fails the batch when a version throws or returns an invalid result, naming the version', async () => {
    const ok = defineSkill<unknown>({ name: 'ok', version: '1', run: () => ({ qualityScore: 1 }) });
    const throws = defineSkill<unknown>({ name: 'bad', version: '2', run: () => Promise.reject(new Error('model down')) });
    const invalid = defineSkill<unknown>({ name: 'odd', version: '3', run: () => ({ qualityScore: 7 }) });
    await expect(abSkill({ skill: ok }, { skill: throws }).run([1], context(0))).rejects.toThrow('version b (bad@2) failed: model down');
    await expect(abSkill({ skill: invalid }, { skill: ok }).run([1], context(1))).rejects.toThrow(/version a \(odd@3\): skill returned an invalid result/);
  });

  it('does not start the second version once the batch is aborted', async () => {
    const controller = new AbortController();
    const calls: string[] = [];
    const first = defineSkill<unknown>({
      name: 'x',
      version: '1',
      run: () => {
        calls.push('x');
        controller.abort(new Error('time budget'));
        return { qualityScore: 1 };
      },
    });
    const second = defineSkill<unknown>({ name: 'y', version: '1', run: () => (calls.push('y'), { qualityScore: 1 }) });
    const skill = abSkill({ skill: first }, { skill: second });
    // Whichever runs first aborts: the other never runs.
    const index = firstSide(42, 'sc', 0) === 'a' ? 0 : 1;
    await expect(skill.run([1], context(index, { signal: controller.signal }))).rejects.toThrow('time budget');
    expect(calls).toEqual(['x']);
  });
});
