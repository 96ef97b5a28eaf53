import { describe, expect, it } from 'vitest';
import { parseRunOptions } from '../../src/cli/commands/run.ts';

describe('run --id', () => {
  it('refuses an id a repeat of an experiment would have, which list, report and compare would count as one', () => {
    expect(() => parseRunOptions({ id: 'nightly.r1' })).toThrow('--id nightly.r1: ids ending in ".r<number>" are the runs of an experiment');
    expect(() => parseRunOptions({ id: 'x.r12' })).toThrow(/runs of an experiment/);
  });

  it('takes ids that only look close to one', () => {
    for (const id of ['nightly', 'nightly.r', 'nightly.r0', 'nightly.rc1', 'r1', 'v1.2']) expect(parseRunOptions({ id }).id).toBe(id);
  });
});
