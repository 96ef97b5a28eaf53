import { describe, expect, it } from 'vitest';
import { defineSkill } from '../../src/actors/skill.ts';
import { createOrchestration } from '../../src/api/createOrchestration.ts';
import { simConfig, simScenario } from '../support/simulatedRun.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** process.exit itself (compared, never called). */
const currentExit = (): unknown => Reflect.get(process, 'exit');
const config = simConfig([simScenario('a', 3, { memoryLimitMb: 1e6 }), simScenario('b', 3, { memoryLimitMb: 1e6 })], {
  barriers: { at: [], timeoutMs: 1_000 },
  retry: { maxAttempts: 2, backoffMs: 1 },
});

describe('skill containment in process', () => {
  it("refuses a skill's process.exit during the run, fails only that batch (retried), and puts the real process.exit back after", async () => {
    const before = currentExit();
    let duringRun: unknown;
    const skill = defineSkill({
      name: 'exits',
      version: '1.0.0',
      run: async (items, ctx) => {
        duringRun ??= currentExit();
        if (ctx.scenario === 'a' && ctx.batchIndex === 1 && ctx.attempt === 1) process.exit(4);
        await sleep(1);
        return { qualityScore: 0.9, processed: items.length };
      },
    });
    const run = createOrchestration(config, { skill });
    run.start();
    const report = await run.result;

    expect(duringRun).not.toBe(before);
    expect(currentExit()).toBe(before);
    expect(Object.values(report.scenarios).map((s) => s.status)).toEqual(['complete', 'complete']);
    expect(report.scenarios.a?.errors.map((e) => e.message)).toEqual([expect.stringContaining('the skill tried to end the process (process.exit(4))')]);
    expect(report.scenarios.b?.errors).toEqual([]);
  });

  it("with both scenarios' batches in flight, an exit attempt from one's timer fails that one's batch alone, and aborts its signal", async () => {
    let aborted: unknown;
    const skill = defineSkill({
      name: 'exits-later',
      version: '1.0.0',
      run: async (items, ctx) => {
        if (ctx.batchIndex === 0 && ctx.attempt === 1) {
          if (ctx.scenario === 'b') {
            setTimeout(() => {
              try {
                process.exit(0);
              } catch {
                // swallowed: the batch fails all the same
              }
            }, 5);
            ctx.signal.addEventListener(
              'abort',
              () => {
                aborted = ctx.signal.reason as unknown;
              },
              { once: true },
            );
          }
          await sleep(40);
        }
        return { qualityScore: 0.9, processed: items.length };
      },
    });
    const run = createOrchestration(config, { skill });
    run.start();
    const report = await run.result;

    expect(report.scenarios.a?.errors).toEqual([]);
    expect(report.scenarios.b?.errors.map((e) => [e.batchIndex, e.message])).toEqual([[0, expect.stringContaining('the skill tried to end the process (process.exit(0))')]]);
    expect(aborted).toMatchObject({ code: 'skill_failed' });
  });
});
