import type { InputItem } from '../../src/actors/inputData.ts';
import type { Skill, SkillContext, SkillResult } from '../../src/actors/skill.ts';

/** One call of a test skill: who asked, for what, when (Date.now(), fake or not), and how it ended. */
export interface SkillCall {
  scenario: string;
  batchIndex: number;
  attempt: number;
  itemIds: number[];
  startedAt: number;
  outcome: 'pending' | 'ok' | 'threw' | 'aborted';
}

export interface TimedSkillOptions {
  /** How long a batch takes, in ms of the global setTimeout (so fake timers control it). */
  latencyMs: number | ((call: SkillCall) => number);
  /** Throw for this call. */
  fails?: (call: SkillCall) => boolean;
  /** Items processed (default: all). */
  processed?: (call: SkillCall, items: InputItem[]) => number;
  memoryMb?: (call: SkillCall) => number;
  qualityScore?: (call: SkillCall, ctx: SkillContext) => number;
}

function wait(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new Error('aborted'));
    const onAbort = () => {
      clearTimeout(timer);
      reject(new Error('aborted'));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * A skill that waits with the global `setTimeout` (unlike the built-in simulated skill, which uses
 * node:timers/promises, which vitest's fake timers do not patch) and records every call.
 */
export function timedSkill(options: TimedSkillOptions): Skill & { calls: SkillCall[] } {
  const calls: SkillCall[] = [];
  return {
    name: 'timed-test-skill',
    version: '0.0.1',
    calls,
    async run(items, ctx): Promise<SkillResult> {
      const call: SkillCall = { scenario: ctx.scenario, batchIndex: ctx.batchIndex, attempt: ctx.attempt, itemIds: items.map((i) => i.id), startedAt: Date.now(), outcome: 'pending' };
      calls.push(call);
      const latency = typeof options.latencyMs === 'function' ? options.latencyMs(call) : options.latencyMs;
      try {
        if (latency > 0) await wait(latency, ctx.signal);
      } catch (error) {
        call.outcome = 'aborted';
        throw error;
      }
      if (options.fails?.(call)) {
        call.outcome = 'threw';
        throw new Error(`test skill failed batch ${ctx.batchIndex} (attempt ${ctx.attempt}) of ${ctx.scenario}`);
      }
      call.outcome = 'ok';
      return {
        qualityScore: options.qualityScore ? options.qualityScore(call, ctx) : 0.9,
        processed: options.processed ? options.processed(call, items) : items.length,
        ...(options.memoryMb ? { memoryMb: options.memoryMb(call) } : {}),
      };
    },
  };
}
