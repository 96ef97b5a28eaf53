import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { createOrchestration } from '../../src/api/createOrchestration.ts';
import { startStatelyBridge, statelyInspectorUrl, type StatelyBridge } from '../../src/inspect/statelyBridge.ts';
import { latencySkill, slowConfig } from './support/slowRun.ts';
import { openSse } from './support/sseClient.ts';

let bridge: StatelyBridge | undefined;
afterEach(async () => {
  await bridge?.close();
  bridge = undefined;
});

// Nothing here reaches the internet: the test reads the local half of the bridge.
describe('the Stately inspector bridge', () => {
  it('creates an XState inspection observer and serves a page that embeds the Stately inspector', async () => {
    bridge = await startStatelyBridge({ port: 0 });
    expect(typeof bridge.inspect.next).toBe('function');
    expect(bridge.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await (await fetch(bridge.url)).text();
    expect(page).toContain(`src="${statelyInspectorUrl}"`);
    expect((await fetch(`${bridge.url}bridge.js`)).status).toBe(200);
  });

  it('relays a run as Stately inspection events, and replays only what a reconnecting page missed', async () => {
    bridge = await startStatelyBridge({ port: 0 });
    const run = createOrchestration(slowConfig(3), { skill: latencySkill(1), inspect: bridge.inspect });
    run.start();
    await run.result;
    const first = await openSse(`${bridge.url}events`);
    const actor = await first.next((m) => (m.data as { type?: string }).type === '@xstate.actor');
    expect(actor.event).toBe('inspection');
    expect(actor.data).toMatchObject({ type: '@xstate.actor', name: 'orchestrator', _version: expect.any(String) as string });
    await first.next((m) => (m.data as { type?: string }).type === '@xstate.snapshot');
    // @statelyai/inspect converts events on a later tick: let the last ones arrive.
    await sleep(200);
    const all = first.messages.map((m) => m.id);
    expect(all.length).toBeGreaterThan(10);
    first.destroy();
    const resumed = await openSse(`${bridge.url}events`, { 'Last-Event-ID': all[4] ?? '' });
    await sleep(200);
    expect(resumed.messages.map((m) => m.id)).toEqual(all.slice(5));
    resumed.destroy();
  });
});
