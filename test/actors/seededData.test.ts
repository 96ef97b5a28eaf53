import type * as TimersPromises from 'node:timers/promises';
import { describe, expect, it, vi } from 'vitest';
import { generateItems } from '../../src/actors/inputData.ts';
import { createRandom, hashKey, randomFor } from '../../src/actors/seededRandom.ts';
import { simulatedSkill } from '../../src/actors/simulatedSkill.ts';
import type { SkillContext } from '../../src/actors/skill.ts';

// "The same seed gives the same data" is a promise across versions too: runs compared with a baseline
// must see the same items. The reference values below were computed apart from this code (FNV-1a 32 over
// each part followed by NUL; mulberry32), so a change to either generator fails here.
describe('seeded randomness', () => {
  it('hashes key parts with FNV-1a, each part ended by NUL', () => {
    expect(hashKey()).toBe(0x811c9dc5);
    expect(hashKey('a')).toBe(0x2b24d044);
    expect(hashKey(42, 'simple', 0)).toBe(128018761);
    expect(hashKey('ab')).not.toBe(hashKey('a', 'b'));
  });

  it('draws the mulberry32 sequence in [0, 1)', () => {
    const next = createRandom(0);
    expect([next(), next(), next()]).toEqual([0.26642920868471265, 0.0003297457005828619, 0.2232720274478197]);
    expect(randomFor(42, 'simple', 0)()).toBe(0.7143623579759151);
  });
});

describe('generateItems', () => {
  it('derives each item from (seed, scenario, id) alone, so any slice regenerates identically', () => {
    const whole = generateItems(42, 'simple', { distribution: 'uniform' }, 0, 30);
    expect(whole.map((i) => i.id)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect(generateItems(42, 'simple', { distribution: 'uniform' }, 10, 5)).toEqual(whole.slice(10, 15));
    expect(whole[0]?.value).toBe(0.7143623579759151);
    for (const item of whole) expect(item.value >= 0 && item.value < 1).toBe(true);
    expect(generateItems(42, 'medium', { distribution: 'uniform' }, 0, 30)).not.toEqual(whole);
    expect(generateItems(7, 'simple', { distribution: 'uniform' }, 0, 30)).not.toEqual(whole);
  });

  it('squares the uniform draw for a skewed dataset', () => {
    const uniform = generateItems(42, 'complex', { distribution: 'uniform' }, 5, 20);
    const skewed = generateItems(42, 'complex', { distribution: 'skewed' }, 5, 20);
    expect(skewed.map((i) => i.value)).toEqual(uniform.map((i) => i.value * i.value));
  });
});

// vitest's fake timers do not reach node:timers/promises (vitest-dev/vitest#3088), which the skill sleeps
// with: record each sleep's length instead, and let it sleep for real.
const sleeps = vi.hoisted((): number[] => []);
vi.mock('node:timers/promises', async (importOriginal) => {
  const real = await importOriginal<typeof TimersPromises>();
  const setTimeout: typeof real.setTimeout = (delay, value, options) => {
    sleeps.push(delay ?? 0);
    return real.setTimeout(delay, value, options);
  };
  return { ...real, setTimeout };
});

describe('the simulated skill', () => {

  const context = (params: Record<string, unknown>, overrides: Partial<SkillContext> = {}): SkillContext => ({
    scenario: 'simple',
    params,
    signal: new AbortController().signal,
    batchIndex: 3,
    attempt: 2,
    idempotencyKey: 'orch/simple/batch/3',
    seed: 42,
    random: randomFor(42, 'simple', 'batch', 3, 2),
    ...overrides,
  });
  const items = generateItems(42, 'simple', { distribution: 'uniform' }, 0, 10);

  it('returns a quality in 0.85..1.0 from the batch stream and every item processed', async () => {
    const stream = randomFor(42, 'simple', 'batch', 3, 2);
    stream(); // the failure draw comes first
    const expected = 0.85 + stream() * 0.15;
    await expect(simulatedSkill.run(items, context({ latencyMs: 0 }))).resolves.toEqual({ qualityScore: expected, processed: 10 });
  });

  it('fails at failureRate, naming the batch and attempt', async () => {
    await expect(simulatedSkill.run(items, context({ latencyMs: 0, failureRate: 1 }))).rejects.toThrow('simulated failure in batch 3 (attempt 2)');
    await expect(simulatedSkill.run(items, context({ latencyMs: 0, failureRate: 0 }))).resolves.toMatchObject({ processed: 10 });
  });

  it('waits latencyMs per batch (100 ms when missing or not a number), jittered by ±latencyJitter (default 0.2, held to 0..1)', async () => {
    const cases: [params: Record<string, unknown>, draw: number, waits: number][] = [
      [{ latencyMs: 40 }, 0.5, 40],
      [{}, 0.5, 100],
      [{ latencyMs: 'fast' }, 0.5, 100],
      [{ latencyMs: 100 }, 0, 80],
      [{ latencyMs: 100 }, 0.75, 110],
      [{ latencyMs: 100, latencyJitter: 5 }, 0.75, 150],
      [{ latencyMs: 100, latencyJitter: -1 }, 0, 100],
    ];
    for (const [params, draw, waits] of cases) {
      sleeps.length = 0;
      // Every draw the same: the failure and quality draws do not move the jitter's.
      await simulatedSkill.run(items, context(params, { random: () => draw }));
      expect(sleeps, JSON.stringify(params)).toHaveLength(1);
      expect(sleeps[0], JSON.stringify(params)).toBeCloseTo(waits, 9);
    }
  });

  it('stops waiting when its batch is aborted', async () => {
    const controller = new AbortController();
    const run = simulatedSkill.run(items, context({ latencyMs: 60_000 }, { signal: controller.signal }));
    controller.abort();
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
  });
});
