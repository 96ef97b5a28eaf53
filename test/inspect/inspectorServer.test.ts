import { request } from 'node:http';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { Orchestration } from '../../src/api/createOrchestration.ts';
import { ScenarioError } from '../../src/errors.ts';
import type { InspectorServer } from '../../src/inspect/inspectorServer.ts';
import type { InspectorDelta, InspectorView } from '../../src/inspect/inspectorView.ts';
import { serveInspector } from '../../src/inspect/serveInspector.ts';
import { openSse } from './support/sseClient.ts';
import { slowRun } from './support/slowRun.ts';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Ends a run a test left going; a finished one has nothing to cancel. */
function stop(run: Orchestration) {
  if (run.actor.getSnapshot().status === 'active') run.cancel();
}

async function serve(run: Orchestration): Promise<InspectorServer> {
  const server = await serveInspector(run, { port: 0, flushMs: 20 });
  cleanups.push(() => server.close(), () => stop(run));
  return server;
}

/** A raw HTTP request, so tests can send the Host and Origin headers a browser would not let them forge. */
function http(url: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers ?? {} }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

const post = (server: InspectorServer, action: string, body: unknown, headers: Record<string, string> = {}) =>
  http(`${server.url}api/${action}`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });

async function state(server: InspectorServer): Promise<InspectorView> {
  return JSON.parse((await http(`${server.url}api/state`)).body) as InspectorView;
}

const items = (view: InspectorView, name: string) => {
  const p = view.scenarios.find((s) => s.name === name)?.progress;
  return p ? p.itemsProcessed + p.itemsFailed : -1;
};

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms: ${JSON.stringify(value).slice(0, 300)}`);
    await sleep(25);
  }
}

describe('inspector server', () => {
  it('serves the page and every asset from the package, on 127.0.0.1, with nothing from another host', async () => {
    const server = await serve(slowRun(4, 1));
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await http(server.url);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    const referenced = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] ?? '');
    expect(referenced).toEqual(expect.arrayContaining(['/inspector.css', '/app.js']));
    for (const path of referenced.filter((r) => !r.startsWith('data:'))) {
      expect(path.startsWith('/')).toBe(true);
      const asset = await http(new URL(path, server.url).href);
      expect(asset.status, path).toBe(200);
      // The SVG namespace and uPlot's banner comment are names, not requests; nothing else may point off this machine.
      const names = asset.body.replaceAll('http://www.w3.org/2000/svg', '').replace(/^\/\*! https:\/\/github\.com\/leeoniya\/uPlot \(v[\d.]+\) \*\//, '');
      expect(names, path).not.toMatch(/https?:\/\//);
      for (const [, imported] of asset.body.matchAll(/from '([^']+)'/g)) expect((await http(new URL(imported ?? '', new URL(path, server.url)).href)).status).toBe(200);
    }
  });

  it('serves both statecharts as SVG whose states carry their ids', async () => {
    const server = await serve(slowRun(4, 1));
    for (const machine of ['orchestrator', 'scenario']) {
      const svg = await http(`${server.url}diagrams/${machine}.svg`);
      expect(svg.status).toBe(200);
      expect(svg.headers['content-type']).toBe('image/svg+xml');
      expect(svg.body).toContain(`id="state:${machine}"`);
    }
    expect((await http(`${server.url}diagrams/nope.svg`)).status).toBe(404);
    expect((await http(`${server.url}../package.json`)).status).toBe(404);
  });

  it('answers only to a local Host header (no DNS rebinding)', async () => {
    const server = await serve(slowRun(4, 1));
    expect((await http(`${server.url}api/state`, { headers: { Host: 'attacker.example:80' } })).status).toBe(403);
    expect((await http(`${server.url}api/state`, { headers: { Host: `localhost:${server.port}` } })).status).toBe(200);
  });

  it('streams a full snapshot on connect, deltas as the run goes, and a fresh snapshot after a dropped connection', async () => {
    const run = slowRun(30, 15);
    const server = await serve(run);
    const first = await openSse(`${server.url}api/events`);
    const snapshot = (await first.next((m) => m.event === 'snapshot')).data as InspectorView;
    expect(snapshot.scenarios.map((s) => s.name)).toEqual(['alpha', 'beta', 'gamma']);
    expect(snapshot.actors.map((a) => a.id).sort()).toEqual(['orchestrator', 'scenario:alpha', 'scenario:beta', 'scenario:gamma']);
    expect(snapshot.status).toBe('ready');

    run.start();
    const delta = (await first.next((m) => m.event === 'delta' && ((m.data as InspectorDelta).scenarios ?? []).some((s) => s.progress.batchCount > 0))).data as InspectorDelta;
    expect(delta.serverTime).toBeGreaterThan(0);
    await first.next((m) => m.event === 'delta' && ((m.data as InspectorDelta).log ?? []).some((e) => e.kind === 'event' && e.type === 'batch.done'));
    await first.next((m) => m.event === 'delta' && ((m.data as InspectorDelta).actors ?? []).some((a) => a.activeStates.includes('scenario.running.working.processing.active')));
    const seenBefore = Math.max(...snapshot.scenarios.map((s) => s.progress.batchCount));

    first.destroy();
    await first.closed;
    await sleep(200);
    const second = await openSse(`${server.url}api/events`);
    const caughtUp = (await second.next((m) => m.event === 'snapshot')).data as InspectorView;
    expect(caughtUp.status).toBe('running');
    expect(Math.max(...caughtUp.scenarios.map((s) => s.progress.batchCount))).toBeGreaterThan(seenBefore);
    expect(caughtUp.log.length).toBeGreaterThan(0);

    await run.result;
    const finished = (await second.next((m) => m.event === 'delta' && (m.data as InspectorDelta).status === 'finished')).data as InspectorDelta;
    expect(finished.report?.orchestrationId).toBe(run.id);
    expect(finished.reportText).toContain('Scenarios');
    second.destroy();
  });

  it('keeps serving the final state and report to a page that connects after the run', async () => {
    const run = slowRun(3, 1);
    const server = await serve(run);
    run.start();
    await run.result;
    const view = await until(() => state(server), (v) => v.status === 'finished');
    expect(view.report?.orchestrationId).toBe(run.id);
    expect(view.scenarios.every((s) => s.progress.status === 'complete' && s.state === 'complete')).toBe(true);
    expect(view.actors.find((a) => a.id === 'orchestrator')?.state).toBe('done');
    expect(view.barriers).toHaveLength(1);
    expect(view.barriers[0]?.record?.releasedBy).toBe('all-arrived');
    expect((await post(server, 'pause', {})).status).toBe(409);
  });

  it('pauses and resumes one scenario through the real events, while the others go on', async () => {
    const run = slowRun(60, 15);
    const server = await serve(run);
    run.start();
    // Past the 20% barrier, so the others do not wait for the paused one.
    await until(() => state(server), (v) => v.barriers.some((b) => b.status === 'released'));
    expect(await post(server, 'pause', { scenario: 'alpha' })).toMatchObject({ status: 202 });
    const paused = await until(() => state(server), (v) => v.scenarios.find((s) => s.name === 'alpha')?.progress.status === 'paused');
    expect(paused.scenarios.find((s) => s.name === 'alpha')?.state).toBe('paused');
    expect(paused.actors.find((a) => a.id === 'scenario:alpha')?.activeStates).toEqual(['scenario', 'scenario.paused']);
    await sleep(300);
    const later = await state(server);
    expect(items(later, 'alpha')).toBe(items(paused, 'alpha'));
    expect(items(later, 'beta')).toBeGreaterThan(items(paused, 'beta'));
    expect(items(later, 'gamma')).toBeGreaterThan(items(paused, 'gamma'));
    expect(later.log.some((e) => e.actor === 'scenario:alpha' && e.type === 'scenario.pause')).toBe(true);

    expect(await post(server, 'resume', { scenario: 'alpha' })).toMatchObject({ status: 202 });
    await run.result;
    const done = await until(() => state(server), (v) => v.status === 'finished');
    expect(done.scenarios.map((s) => s.progress.status)).toEqual(['complete', 'complete', 'complete']);
    expect(done.report?.scenarios.alpha?.pausedMs).toBeGreaterThan(0);
  });

  it('refuses control requests it cannot trust or understand', async () => {
    const server = await serve(slowRun(60, 15));
    expect((await http(`${server.url}api/pause`, { method: 'POST', body: '{}' })).status).toBe(415);
    expect((await http(`${server.url}api/pause`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: '{}' })).status).toBe(415);
    expect((await post(server, 'pause', {}, { Origin: 'https://attacker.example' })).status).toBe(403);
    const unknown = await post(server, 'pause', { scenario: 'nope' });
    expect(unknown.status).toBe(400);
    expect(JSON.parse(unknown.body)).toEqual({ error: 'unknown scenario "nope" (scenarios: alpha, beta, gamma)' });
    expect((await post(server, 'pause', { scenario: 1 })).status).toBe(400);
    expect((await post(server, 'pause', { scenario: 'alpha', extra: true })).status).toBe(400);
    expect((await post(server, 'cancel', { scenario: 'alpha' })).status).toBe(400);
    expect((await http(`${server.url}api/pause`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{not json' })).status).toBe(400);
    expect((await post(server, 'explode', {})).status).toBe(404);
    // Before start the run refuses a pause: a conflict, reported as such.
    expect((await post(server, 'pause', {}, { Origin: `http://127.0.0.1:${server.port}` })).status).toBe(409);
  });

  it('cancels the whole run', async () => {
    const run = slowRun(60, 15);
    const server = await serve(run);
    run.start();
    expect((await post(server, 'cancel', {})).status).toBe(202);
    const report = await run.result;
    expect(Object.values(report.scenarios).map((s) => s.failureReason)).toEqual(['cancelled', 'cancelled', 'cancelled']);
  });

  it('says clearly when the port is taken', async () => {
    const server = await serve(slowRun(4, 1));
    await expect(serveInspector(slowRun(4, 1), { port: server.port })).rejects.toThrow(new ScenarioError('usage', `cannot serve the inspector: port ${server.port} on 127.0.0.1 is already in use`));
  });

  it('ends open streams when closed', async () => {
    const run = slowRun(4, 1);
    const server = await serveInspector(run, { port: 0 });
    const client = await openSse(`${server.url}api/events`);
    await client.next((m) => m.event === 'snapshot');
    try {
      // An SSE stream never ends by itself: unless close() ends it, neither close() nor the stream settles.
      const settled = Promise.all([server.close(), client.closed]).then(() => 'closed and ended');
      expect(await Promise.race([settled, sleep(5_000).then(() => 'still open after 5 s')])).toBe('closed and ended');
      // And nothing listens any more (a fresh connection: a pooled keep-alive socket would only be reset).
      const refused = await new Promise<unknown>((resolve) => connect(server.port, '127.0.0.1').on('connect', () => resolve('connected')).on('error', resolve));
      expect(refused).toMatchObject({ code: 'ECONNREFUSED' });
    } finally {
      stop(run);
    }
  });
});
