import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { checkSkillResult } from '../../src/actors/checkSkillResult.ts';
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

describe('checkSkillResult', () => {
  it.each([
    ['a bare score', { qualityScore: 0.5 }],
    ['every field', { qualityScore: 1, processed: 3, metrics: { latency: 0.2, f1: 0 }, memoryMb: 12.5 }],
    ['a score of 0', { qualityScore: 0 }],
    ['no metrics in the record', { qualityScore: 0.25, metrics: {} }],
    ['a metric named __proto__', JSON.parse('{"qualityScore":0.5,"metrics":{"__proto__":0.7,"toString":0.1}}') as unknown],
    ['a null-prototype result', Object.assign(Object.create(null) as object, { qualityScore: 0.5 })],
  ])('should give what zod gives for %s', (_name, raw) => {
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

  it.each([
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
  ])('should decide %s exactly as zod does, with the same message', (_name, raw) => {
    expect(checked(raw, 10)).toEqual(throughZod(raw, 10));
  });

  it('should name the field that was wrong', () => {
    expect(() => checkSkillResult({ qualityScore: 0.5, metrics: { f1: 'high' } }, 10)).toThrow(/skill returned an invalid result \(.*metrics\.f1/);
    expect(() => checkSkillResult({ qualityScore: 0.5, processed: 11 }, 10)).toThrow('skill reported processed=11 for a batch of 10 items');
  });
});
