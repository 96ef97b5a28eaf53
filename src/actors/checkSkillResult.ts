import { z } from 'zod';
import { emptyRecord } from '../ownKeys.ts';
import { SkillResultSchema, type SkillResult } from './skill.ts';

const hasPlainPrototype = (value: object): boolean => {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
};

/**
 * The result as SkillResultSchema would give it, built by hand when it has the common shape (about a
 * tenth of a zod parse, once per batch); undefined when anything about it is unusual, valid or not, so
 * that zod decides and, when it refuses, names what was wrong.
 */
export function fastResult(raw: unknown): SkillResult | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw) || !hasPlainPrototype(raw)) return undefined;
  const input = raw as Record<string, unknown>;
  let keys = 0;
  for (const key in input) {
    if (key !== 'qualityScore' && key !== 'processed' && key !== 'metrics' && key !== 'memoryMb') return undefined;
    keys += 1;
  }
  const { qualityScore } = input;
  if (typeof qualityScore !== 'number' || !(qualityScore >= 0 && qualityScore <= 1)) return undefined;
  const result: SkillResult = { qualityScore };
  let seen = 1;
  if ('processed' in input) {
    const { processed } = input;
    if (typeof processed !== 'number' || !Number.isSafeInteger(processed) || processed < 0) return undefined;
    result.processed = processed;
    seen += 1;
  }
  if ('metrics' in input) {
    const { metrics } = input;
    if (typeof metrics !== 'object' || metrics === null || Array.isArray(metrics) || !hasPlainPrototype(metrics)) return undefined;
    // Null-prototype, as ownRecord parses it: a metric may be named `__proto__`.
    const copy = emptyRecord<number>();
    for (const name of Object.keys(metrics)) {
      const value = (metrics as Record<string, unknown>)[name];
      if (typeof value !== 'number' || !Number.isFinite(value)) return undefined;
      copy[name] = value;
    }
    result.metrics = copy;
    seen += 1;
  }
  if ('memoryMb' in input) {
    const { memoryMb } = input;
    if (typeof memoryMb !== 'number' || !Number.isFinite(memoryMb) || memoryMb < 0) return undefined;
    result.memoryMb = memoryMb;
    seen += 1;
  }
  // A key that is there but not enumerable, or inherited: unusual, so zod looks at it.
  return seen === keys ? result : undefined;
}

/** What a skill returned for a batch of `count` items, checked; throws an Error that says what was wrong. */
export function checkSkillResult(raw: unknown, count: number): SkillResult {
  let result = fastResult(raw);
  if (result === undefined) {
    const parsed = SkillResultSchema.safeParse(raw);
    if (!parsed.success) {
      throw new Error(`skill returned an invalid result (${z.prettifyError(parsed.error).replaceAll('\n', ' ')}); expected { qualityScore: 0..1, processed?, metrics? }`);
    }
    result = parsed.data;
  }
  if (result.processed !== undefined && result.processed > count) {
    throw new Error(`skill reported processed=${result.processed} for a batch of ${count} items`);
  }
  return result;
}
