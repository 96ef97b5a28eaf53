import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { checkSkillResult, fastResult } from '../../src/actors/checkSkillResult.ts';
import { SkillResultSchema } from '../../src/actors/skill.ts';

/** What the runner said before the hand-written check existed: zod's parse, or its message. */
function throughZod(raw: unknown, count: number): { ok: unknown } | { error: string } {
  const parsed = SkillResultSchema.safeParse(raw);
  if (!parsed.success) return { error: `skill returned an invalid result (${z.prettifyError(parsed.error).replaceAll('\n', ' ')}); expected { qualityScore: 0..1, processed?, metrics? }` };
  if (parsed.data.processed !== undefined && parsed.data.processed > count) return { error: `skill reported processed=${parsed.data.processed} for a batch of ${count} items` };
  return { ok: parsed.data };
}

function checked(raw: unknown, count: number): { ok: unknown } | { error: string } {
  try {
    return { ok: checkSkillResult(raw, count) };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

const withHiddenKey = Object.defineProperty({ qualityScore: 0.5 }, 'score', { value: 1, enumerable: false });
class Scored {
  qualityScore = 0.5;
}

/** Results of the common shape, which the hand-written check builds itself. */
const common: [string, unknown][] = [
  ['a bare score', { qualityScore: 0.5 }],
  ['every field', { qualityScore: 1, processed: 3, metrics: { latency: 0.2, f1: 0 }, memoryMb: 12.5 }],
  ['a score of 0', { qualityScore: 0 }],
  ['no metrics in the record', { qualityScore: 0.25, metrics: {} }],
  ['a metric named __proto__', JSON.parse('{"qualityScore":0.5,"metrics":{"__proto__":0.7,"toString":0.1}}') as unknown],
  ['a null-prototype result', Object.assign(Object.create(null) as object, { qualityScore: 0.5 })],
];

/** Results that zod refuses or that are unusual (most of which the hand-written check leaves to zod). */
const leftToZod: [string, unknown][] = [
  ['nothing', undefined],
  ['null', null],
  ['a number', 0.5],
  ['an array', [0.5]],
  ['no score', {}],
  ['a score above 1', { qualityScore: 2 }],
  ['a negative score', { qualityScore: -0.1 }],
  ['a score that is not a number', { qualityScore: NaN }],
  ['a score as a string', { qualityScore: '0.5' }],
  ['an unknown key', { qualityScore: 0.5, score: 1 }],
  ['a non-enumerable unknown key', withHiddenKey],
  ['a class instance', new Scored()],
  ['a fractional processed', { qualityScore: 0.5, processed: 1.5 }],
  ['a negative processed', { qualityScore: 0.5, processed: -1 }],
  ['processed past the batch', { qualityScore: 0.5, processed: 11 }],
  ['processed given as undefined', { qualityScore: 0.5, processed: undefined }],
  ['metrics as an array', { qualityScore: 0.5, metrics: [1] }],
  ['a metric that is not a number', { qualityScore: 0.5, metrics: { f1: 'high' } }],
  ['an infinite metric', { qualityScore: 0.5, metrics: { f1: Infinity } }],
  ['negative memory', { qualityScore: 0.5, memoryMb: -1 }],
  ['infinite memory', { qualityScore: 0.5, memoryMb: Infinity }],
];

describe('checkSkillResult', () => {
  it.each(common)('should give what zod gives for %s', (_name, raw) => {
    const result = checkSkillResult(raw, 10);
    expect(result).toEqual(SkillResultSchema.parse(raw));
    // A copy: a skill that reuses its result object cannot change a batch already counted.
    expect(result).not.toBe(raw);
  });

  it('should keep a metric named __proto__ as a metric, not a prototype', () => {
    const result = checkSkillResult(JSON.parse('{"qualityScore":0.5,"metrics":{"__proto__":0.7}}'), 10);
    expect(Object.hasOwn(result.metrics ?? {}, '__proto__')).toBe(true);
    expect(Object.getOwnPropertyDescriptor(result.metrics, '__proto__')?.value).toBe(0.7);
  });

  it.each(leftToZod)('should decide %s exactly as zod does, with the same message', (_name, raw) => {
    expect(checked(raw, 10)).toEqual(throughZod(raw, 10));
  });

  it('should name the field that was wrong', () => {
    expect(() => checkSkillResult({ qualityScore: 0.5, metrics: { f1: 'high' } }, 10)).toThrow(/skill returned an invalid result \(.*metrics\.f1/);
    expect(() => checkSkillResult({ qualityScore: 0.5, processed: 11 }, 10)).toThrow('skill reported processed=11 for a batch of 10 items');
  });
});

// The check exists to be faster than zod on every batch: a common result it hands to zod instead costs a
// parse, and one it accepts that zod would refuse lets garbage through. Both go unseen in the answers
// above, which agree with zod either way.
describe('the hand-written check (fastResult)', () => {
  it.each(common)('builds %s itself, as zod would', (_name, raw) => {
    expect(fastResult(raw)).toEqual(SkillResultSchema.parse(raw));
  });

  // Past the batch is checked after either path; a key zod does not see either is no reason to ask it.
  const builtAnyway = new Set(['processed past the batch', 'a non-enumerable unknown key']);
  it.each(leftToZod.filter(([name]) => !builtAnyway.has(name)))('leaves %s to zod', (_name, raw) => {
    expect(fastResult(raw)).toBeUndefined();
  });

  it('leaves to zod a known field that is not enumerable, and one inherited', () => {
    expect(fastResult(Object.defineProperty({ qualityScore: 0.5 }, 'processed', { value: 1, enumerable: false }))).toBeUndefined();
    expect(fastResult({ qualityScore: 0.5, metrics: Object.create({ f1: 1 }) as object })).toBeUndefined();
  });

  it('accepts the edges of each range', () => {
    expect(fastResult({ qualityScore: 1, processed: 0, memoryMb: 0 })).toEqual({ qualityScore: 1, processed: 0, memoryMb: 0 });
  });
});

describe('SkillResultSchema, where zod decides', () => {
  it('says what a field must be', () => {
    const message = (raw: unknown) => z.prettifyError(SkillResultSchema.safeParse(raw).error ?? new z.ZodError([]));
    expect(message({ qualityScore: 1.5 })).toContain('must be between 0 and 1');
    expect(message({ qualityScore: -0.5 })).toContain('must be between 0 and 1');
    expect(message({ qualityScore: 0.5, processed: 1.5 })).toContain('must be an integer');
    expect(message({ qualityScore: 0.5, processed: -1 })).toContain('must be 0 or more');
    expect(SkillResultSchema.safeParse({ qualityScore: 0.5, memoryMb: 5 }).success).toBe(true);
    expect(SkillResultSchema.safeParse({ qualityScore: 0.5, memoryMb: -5 }).success).toBe(false);
  });
});
