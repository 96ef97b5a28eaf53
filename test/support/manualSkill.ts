import type { Skill, SkillContext } from '../../src/actors/skill.ts';

/** One skill call the test settles by hand. */
export interface PendingCall {
  ctx: SkillContext;
  /** The ids of the batch's generated items. */
  itemIds: number[];
  /** Any value, so a test can also answer with an invalid result. */
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

/** A skill whose every call waits until the test resolves or rejects it. */
export function manualSkill(): Skill & { calls: PendingCall[] } {
  const calls: PendingCall[] = [];
  return {
    name: 'manual',
    version: '1',
    calls,
    run: (items, ctx) =>
      new Promise((resolve, reject) => {
        calls.push({ ctx, itemIds: items.map((i) => i.id), resolve: resolve as (value: unknown) => void, reject });
      }),
  };
}
