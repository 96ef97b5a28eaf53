import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { createOrchestration } from '../../src/api/createOrchestration.ts';
import { defineSkill } from '../../src/actors/skill.ts';
import { liveInspectorSource } from '../../src/inspect/liveSource.ts';
import { slowConfig } from './support/slowRun.ts';

/** alpha races ahead; beta and gamma take a second per batch, so alpha waits alone at the 20 % barrier. */
const unevenSkill = defineSkill({
  name: 'uneven',
  version: '1.0.0',
  async run(items, ctx) {
    await sleep(ctx.scenario === 'alpha' ? 1 : 1_000, undefined, { signal: ctx.signal }).catch(() => undefined);
    return { qualityScore: 0.9, processed: items.length };
  },
});

describe('liveInspectorSource', () => {
  it('shows when an open barrier times out, for pages attached before and after it opened', async () => {
    const run = createOrchestration(slowConfig(5), { skill: unevenSkill });
    const early = liveInspectorSource(run, { flushMs: 10 });
    run.start();
    await expect.poll(() => early.view().barriers[0]?.arrivals.length, { timeout: 5_000 }).toBe(1);
    const [barrier] = early.view().barriers;
    expect(barrier).toMatchObject({ milestone: 20, status: 'open', arrivals: [{ scenario: 'alpha' }] });
    expect(barrier?.deadlineMs).toBe((barrier?.arrivals[0]?.elapsedMs ?? Number.NaN) + 30_000);

    const late = liveInspectorSource(run, { flushMs: 10 });
    expect(late.view().barriers[0]?.deadlineMs).toBe(barrier?.deadlineMs);
    early.close();
    late.close();
    run.cancel();
    await run.result;
  });
});
