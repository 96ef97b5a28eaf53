/**
 * The skill bench/isolation.ts runs, from a module so a worker thread can load it (`isolation: "worker"`):
 * it waits `params.ms` on a timer per batch, or returns at once without it.
 */
import { defineSkill } from '../src/actors/skill.ts';

export default defineSkill<unknown>({
  name: 'isolation-bench',
  version: '1',
  run: (items, ctx) => {
    const ms = typeof ctx.params.ms === 'number' ? ctx.params.ms : 0;
    const result = { qualityScore: 0.9, processed: items.length };
    return ms > 0 ? new Promise((resolve) => setTimeout(() => resolve(result), ms)) : result;
  },
});
