import { describe, expect, it } from 'vitest';
import { abSkill } from '../../src/ab/abSkill.ts';
import { defineSkill } from '../../src/actors/skill.ts';
import { skillLabel } from '../../src/ab/skillLabel.ts';

const version = (name: string, v: string) => defineSkill({ name, version: v, run: () => ({ qualityScore: 1 }) });

describe('skillLabel', () => {
  it('names a plain skill name@version', () => {
    expect(skillLabel({ name: 'classify', version: '2.1.0' })).toBe('classify@2.1.0');
  });

  it('names an A/B composite by its two versions, not by its JSON version', () => {
    const composite = abSkill({ skill: version('classify', '1.0.0') }, { skill: version('classify', '1.1.0'), params: { threshold: 0.4 } });
    expect(skillLabel(composite)).toBe('A/B: classify@1.0.0 vs classify@1.1.0 {"threshold":0.4}');
  });

  it('leaves a skill that is merely named "ab" as it is', () => {
    expect(skillLabel({ name: 'ab', version: '1.0.0' })).toBe('ab@1.0.0');
  });
});
