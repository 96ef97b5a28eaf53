import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { abMetric } from '../../src/ab/abMetrics.ts';
import { loadAbSkill } from '../../src/ab/loadAbSkill.ts';
import { commandIdentity, commandSkill, skillReadiness, type CommandSkill, type CommandSkillRef } from '../../src/actors/commandSkill.ts';
import type { SkillContext } from '../../src/actors/skill.ts';
import { createOrchestration } from '../../src/api/createOrchestration.ts';
import { MemorySnapshotStore } from '../../src/persistence/MemorySnapshotStore.ts';
import { simConfig, simScenario } from '../support/simulatedRun.ts';
import { SkillRequestSchema, SkillResponseSchema } from '../../src/actors/skillProtocol.ts';
import { alive, until } from '../support/processes.ts';

/**
 * Child processes are small Node scripts (no Python needed): each reads requests line by line and behaves
 * as its name says. They answer in the JSON-lines protocol of docs/skill-protocol.md.
 */
const READ_LINES = `
const rl = require('node:readline').createInterface({ input: process.stdin });
const send = (value) => process.stdout.write(JSON.stringify(value) + '\\n');
`;
const scripts: Record<string, string> = {
  // Answers each request with the size of its batch, and checks the request against the protocol's schema.
  'echo.cjs': `${READ_LINES}
rl.on('line', (line) => {
  const r = JSON.parse(line);
  if (r.cancel) return;
  send({ id: r.id, qualityScore: r.params.q ?? 0.5, processed: r.items.length, metrics: { batch: r.batchIndex / 10 }, memoryMb: 3 });
});
process.stdout.write('');`,
  // Holds requests until it has two, then answers the second first.
  'reversed.cjs': `${READ_LINES}
const held = [];
rl.on('line', (line) => {
  held.push(JSON.parse(line));
  if (held.length === 2) for (const r of held.reverse()) send({ id: r.id, qualityScore: r.batchIndex / 10 });
});`,
  'fails.cjs': `${READ_LINES}
rl.on('line', (line) => send({ id: JSON.parse(line).id, error: 'model overloaded' }));`,
  // Writes a line out of protocol first (for batch 0) and answers every request late, after a pause.
  'chatty.cjs': `${READ_LINES}
rl.on('line', (line) => {
  const r = JSON.parse(line);
  if (r.batchIndex === 0) process.stdout.write('loading weights... done\\n');
  if (r.batchIndex === 1) send({ id: 999, qualityScore: 1 });
  setTimeout(() => send({ id: r.id, qualityScore: 0.9 }), 50);
});`,
  // Never answers anything, not even cancels; says on stderr what it got.
  'deaf.cjs': `${READ_LINES}
rl.on('line', (line) => process.stderr.write('got ' + line.slice(0, 30) + '\\n'));`,
  // Answers a cancel at once with an error response; never answers a request on its own but the warm-up (no items).
  'cancellable.cjs': `${READ_LINES}
rl.on('line', (line) => { const r = JSON.parse(line); if (r.cancel || r.items.length === 0) send({ id: r.id, error: 'cancelled' }); });`,
  // In scenario "alpha": exits with code 3 (saying why on stderr) once it holds two requests; elsewhere answers.
  'dies.cjs': `${READ_LINES}
let n = 0;
rl.on('line', (line) => {
  const r = JSON.parse(line);
  if (r.scenario !== 'alpha') return send({ id: r.id, qualityScore: 1 });
  if (++n === 2) { process.stderr.write('loading model\\nout of GPU memory\\n'); process.exit(3); }
});`,
  // Takes 400 ms to start (a model to load) before it reads stdin; then each batch takes 10 ms. Batch 4's first
  // attempt kills it (exit 1), so its retry starts a new child, which takes 400 ms again. Notes every request on stderr.
  'slowStart.cjs': `Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 400);
${READ_LINES}
rl.on('line', (line) => {
  const r = JSON.parse(line);
  if (r.cancel) return;
  process.stderr.write('request ' + JSON.stringify({ batchIndex: r.batchIndex, attempt: r.attempt, items: r.items.length, key: r.idempotencyKey }) + '\\n');
  if (r.batchIndex === 4 && r.attempt === 1 && r.items.length > 0) process.exit(1);
  setTimeout(() => send({ id: r.id, qualityScore: 1 }), 10);
});`,
  // Starts a grandchild that would live for a minute, prints its pid on stderr, and ignores end of input.
  'stubborn.cjs': `${READ_LINES}
const grandchild = require('node:child_process').spawn('sleep', ['60'], { stdio: 'ignore' });
process.stderr.write('grandchild ' + grandchild.pid + '\\n');
process.stdin.on('end', () => setInterval(() => {}, 1000));
rl.on('line', (line) => send({ id: JSON.parse(line).id, qualityScore: 1 }));`,
};

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'command-skill-'));
  for (const [name, source] of Object.entries(scripts)) writeFileSync(join(dir, name), source);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const open: CommandSkill[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((skill) => skill.close()));
});

function skillOf(script: string, extra: Partial<CommandSkillRef> = {}, stderr: string[] = []): CommandSkill {
  const skill = commandSkill({ command: [process.execPath, script], cwd: dir, cancelGraceMs: 300, ...extra }, { stderr: (line) => stderr.push(line) });
  open.push(skill);
  return skill;
}

function ctx(scenario: string, batchIndex: number, signal = new AbortController().signal, params: Record<string, unknown> = {}): SkillContext {
  return { scenario, params, signal, batchIndex, attempt: 1, idempotencyKey: `orch-t/${scenario}/batch/${batchIndex}`, seed: 1, random: () => 0.5 };
}

const items = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `i${i}`, value: i / n }));

describe('commandSkill', () => {
  it('sends one request per batch and returns the matching response, without its id', async () => {
    const skill = skillOf('echo.cjs');
    await expect(skill.run(items(4), ctx('alpha', 2, undefined, { q: 0.75 }))).resolves.toEqual({ qualityScore: 0.75, processed: 4, metrics: { batch: 0.2 }, memoryMb: 3 });
  });

  it('matches responses that come out of order to their requests', async () => {
    const skill = skillOf('reversed.cjs');
    const [first, second] = await Promise.all([skill.run(items(1), ctx('alpha', 1)), skill.run(items(1), ctx('alpha', 2))]);
    expect(first).toEqual({ qualityScore: 0.1 });
    expect(second).toEqual({ qualityScore: 0.2 });
  });

  it('fails the batch with the message of an error response', async () => {
    const skill = skillOf('fails.cjs');
    await expect(skill.run(items(2), ctx('alpha', 0))).rejects.toThrow(/^model overloaded$/);
  });

  it('fails the batches in flight on a line that is not JSON or answers no request, quoting it, and keeps the child', async () => {
    const stderr: string[] = [];
    const skill = skillOf('chatty.cjs', {}, stderr);
    await expect(skill.run(items(1), ctx('alpha', 0))).rejects.toThrow(/wrote a line that is not JSON: "loading weights\.\.\. done".*logs go to stderr/);
    const pid = skill.pids().alpha;
    await expect(skill.run(items(1), ctx('alpha', 1))).rejects.toThrow(/answered request 999, which is not in flight .*: "\{\\"id\\":999,\\"qualityScore\\":1\}"/);
    // The late answers to the failed batches are dropped; the same child answers the next batch.
    await expect(skill.run(items(1), ctx('alpha', 2))).resolves.toEqual({ qualityScore: 0.9 });
    expect(skill.pids().alpha).toBe(pid);
    expect(stderr).toEqual([]);
  });

  it('settles an aborted batch at once, sends a cancel, and kills a child that leaves it unanswered past the grace', async () => {
    const stderr: string[] = [];
    const skill = skillOf('deaf.cjs', { cancelGraceMs: 200 }, stderr);
    const abort = new AbortController();
    const batch = skill.run(items(1), ctx('alpha', 0, abort.signal));
    await until(() => stderr.length === 1, 'the request');
    const pid = skill.pids().alpha!;
    abort.abort(new Error('time budget exceeded'));
    await expect(batch).rejects.toThrow('batch cancelled: time budget exceeded');
    expect(alive(pid)).toBe(true); // settled before the grace ran out
    await until(() => !alive(pid), 'the kill');
    expect(stderr[1]).toMatch(/^\[alpha\] got \{"id":1,"cancel":true\}/);
    // The next batch gets a new child.
    const next = skill.run(items(1), ctx('alpha', 1));
    await until(() => skill.pids().alpha !== undefined && skill.pids().alpha !== pid, 'a new child');
    const refused = expect(next).rejects.toThrow(/was closed while the batch was in flight/);
    await skill.close();
    await refused;
  });

  it('keeps a child that answers a cancel within the grace', async () => {
    const skill = skillOf('cancellable.cjs', { cancelGraceMs: 300 });
    // Started first, so the grace covers the answer to the cancel, not the child's own start (slow on a busy machine).
    await skill.ready('alpha');
    const abort = new AbortController();
    const batch = skill.run(items(1), ctx('alpha', 0, abort.signal));
    const pid = skill.pids().alpha!;
    abort.abort('paused');
    await expect(batch).rejects.toThrow('batch cancelled: paused');
    await new Promise((r) => setTimeout(r, 600));
    expect(alive(pid)).toBe(true);
    expect(skill.pids().alpha).toBe(pid);
  });

  it('fails only the batches the dead child had in flight, naming its exit code and last stderr lines', async () => {
    const stderr: string[] = [];
    const skill = skillOf('dies.cjs', {}, stderr);
    const other = skill.run(items(1), ctx('beta', 0));
    const first = skill.run(items(1), ctx('alpha', 0));
    const second = skill.run(items(1), ctx('alpha', 1));
    await expect(first).rejects.toThrow(/skill command dies\.cjs \(pid \d+\) of scenario "alpha" exited with code 3; its last stderr: "loading model" "out of GPU memory"/);
    await expect(second).rejects.toThrow(/exited with code 3/);
    await expect(other).resolves.toEqual({ qualityScore: 1 });
    expect(stderr).toEqual(['[alpha] loading model', '[alpha] out of GPU memory']);
  });

  it('fails the batch in flight of a child killed from outside, naming the signal', async () => {
    const skill = skillOf('deaf.cjs');
    const batch = skill.run(items(1), ctx('alpha', 0));
    process.kill(skill.pids().alpha!, 'SIGKILL');
    await expect(batch).rejects.toThrow(/skill command deaf\.cjs \(pid \d+\) of scenario "alpha" was killed by SIGKILL/);
  });

  it('starts a new child on the next batch after one died', async () => {
    const skill = skillOf('dies.cjs');
    await Promise.allSettled([skill.run(items(1), ctx('alpha', 0)), skill.run(items(1), ctx('alpha', 1))]);
    expect(skill.pids().alpha).toBeUndefined();
    const again = skill.run(items(1), ctx('alpha', 2));
    expect(skill.pids().alpha).toEqual(expect.any(Number));
    const twice = skill.run(items(1), ctx('alpha', 3));
    await expect(again).rejects.toThrow(/exited with code 3/);
    await expect(twice).rejects.toThrow(/exited with code 3/);
  });

  it('says which command could not be started', async () => {
    const skill = commandSkill({ command: ['no-such-program-for-scenarios'], cwd: dir });
    open.push(skill);
    await expect(skill.run(items(1), ctx('alpha', 0))).rejects.toThrow(/skill command no-such-program-for-scenarios of scenario "alpha" could not be started: spawn no-such-program-for-scenarios ENOENT/);
  });

  it('says when its working directory is what is missing', async () => {
    const skill = commandSkill({ command: [process.execPath, 'echo.cjs'], cwd: join(dir, 'gone') });
    open.push(skill);
    await expect(skill.run(items(1), ctx('alpha', 0))).rejects.toThrow(`could not be started: spawn ${process.execPath} ENOENT (its working directory ${join(dir, 'gone')} does not exist)`);
    // The next batch tries again (the folder may have been created meanwhile).
    await expect(skill.run(items(1), ctx('alpha', 1))).rejects.toThrow(/could not be started/);
  });

  it('fails a batch, not the caller, when spawn refuses the command outright', async () => {
    const skill = commandSkill({ command: [process.execPath, 'a\u0000b'], cwd: dir });
    open.push(skill);
    await expect(skill.run(items(1), ctx('alpha', 0))).rejects.toThrow(/skill command node of scenario "alpha" could not be started: .*null bytes/);
  });

  it('close() ends every child and what it started, also one that ignores the end of its input', async () => {
    const stderr: string[] = [];
    const skill = skillOf('stubborn.cjs', { cancelGraceMs: 200 }, stderr);
    await skill.run(items(1), ctx('alpha', 0));
    await skill.run(items(1), ctx('beta', 0));
    await until(() => stderr.length === 2, 'the grandchildren');
    const pids = [...Object.values(skill.pids()), ...stderr.map((line) => Number(/grandchild (\d+)/.exec(line)?.[1]))];
    expect(pids).toHaveLength(4);
    expect(pids.every(alive)).toBe(true);
    await skill.close();
    await until(() => !pids.some(alive), 'every process to end');
    expect(skill.pids()).toEqual({});
    await expect(skill.run(items(1), ctx('alpha', 1))).rejects.toThrow(/was closed/);
  });

  it('names itself after the script and versions itself by its content, unless the config says otherwise', () => {
    const a = commandIdentity(['python3', 'echo.cjs'], dir);
    expect(a.name).toBe('echo.cjs');
    expect(a.version).toMatch(/^[0-9a-f]{12}$/);
    expect(commandIdentity(['python3', 'fails.cjs'], dir).version).not.toBe(a.version);
    expect(commandIdentity(['python3', '-u', './echo.cjs', 'fails.cjs'], dir)).toEqual(a);
    expect(commandIdentity([join(dir, 'echo.cjs')], '/')).toEqual(a);
    const inline = commandIdentity(['node', '-e', 'code'], dir);
    expect(inline.name).toBe('node');
    expect(inline.version).not.toBe(commandIdentity(['node', '-e', 'other code'], dir).version);
    const named = commandSkill({ command: ['python3', 'echo.cjs'], cwd: dir, name: 'classifier', version: '2.1.0' });
    expect([named.name, named.version]).toEqual(['classifier', '2.1.0']);
  });

  it('refuses a reference without a command', () => {
    expect(() => commandSkill({ command: [] })).toThrow(/commandSkill needs \{ command/);
  });
});

describe('commandSkill start-up', () => {
  it('is ready once the child has answered a warm-up request with no items, so the first batch takes a batch\'s time', async () => {
    const stderr: string[] = [];
    const skill = skillOf('slowStart.cjs', {}, stderr);
    const t0 = performance.now();
    await skill.ready('alpha');
    const startUp = performance.now() - t0;
    const t1 = performance.now();
    await expect(skill.run(items(3), ctx('alpha', 0))).resolves.toEqual({ qualityScore: 1 });
    const batch = performance.now() - t1;
    expect(startUp).toBeGreaterThanOrEqual(400);
    expect(batch).toBeLessThan(200);
    expect(stderr.filter((l) => l.includes('request'))).toEqual([
      '[alpha] request {"batchIndex":0,"attempt":1,"items":0,"key":"warm-up/alpha"}',
      '[alpha] request {"batchIndex":0,"attempt":1,"items":3,"key":"orch-t/alpha/batch/0"}',
    ]);
    // Once per child: asked again, it is ready at once.
    const t2 = performance.now();
    await skill.ready('alpha');
    expect(performance.now() - t2).toBeLessThan(50);
  });

  it('keeps the start-up out of busy time in a run, on the first batch and after the child died', async () => {
    // 10 batches of 10 ms, a start-up of 400 ms, and a second start-up on batch 4's retry: counted as busy, they
    // would make it more than 900 ms; kept out, it is about 10 × 10 ms plus the failed attempt.
    const journal = new MemorySnapshotStore();
    const stderr: string[] = [];
    const skill = skillOf('slowStart.cjs', {}, stderr);
    const run = createOrchestration(simConfig([simScenario('one', 10)], { barriers: { at: [], timeoutMs: 1_000 }, retry: { maxAttempts: 2, backoffMs: 1 } }), { skill, journal, id: 'orch-slow' });
    run.start();
    const report = await run.result;
    const one = report.scenarios.one;
    expect(one?.status).toBe('complete');
    expect(stderr.filter((l) => l.includes('"key":"warm-up/one"'))).toHaveLength(2);
    expect(one?.busyMs).toBeLessThan(400);
    const spans = (await journal.loadBatches('orch-slow', 'one', 0)).map((row) => row.finishedAt - row.startedAt);
    expect(spans).toHaveLength(10);
    // The first batch and batch 4 (whose retry ran on a new child) took a batch's time, not a start-up's.
    expect(spans[0]).toBeLessThan(200);
    expect(spans[4]).toBeLessThan(200);
  });

  it('keeps both children\'s start-up out of an A/B pair\'s times', async () => {
    const ref = { command: [process.execPath, 'slowStart.cjs'], cwd: dir, cancelGraceMs: 300 };
    const loaded = await loadAbSkill([ref, ref], { stderr: () => undefined });
    const { skill } = loaded;
    try {
      const ready = skillReadiness(skill);
      expect(ready).toBeDefined();
      await ready?.('alpha');
      const result = await skill.run(items(2), ctx('alpha', 0));
      // Each version's own time, as the A/B report compares them: a batch's 10 ms, not a 400 ms start.
      expect(result.metrics?.[abMetric.ms('a')]).toBeLessThan(200);
      expect(result.metrics?.[abMetric.ms('b')]).toBeLessThan(200);
    } finally {
      await loaded.close();
    }
  });
});

describe('skill protocol schemas', () => {
  it('accept the documented lines and refuse a response with neither a result nor an error', () => {
    expect(SkillRequestSchema.safeParse({ id: 1, scenario: 's', batchIndex: 0, attempt: 1, idempotencyKey: 'o/s/batch/0', params: {}, items: [] }).success).toBe(true);
    expect(SkillResponseSchema.safeParse({ id: 1, qualityScore: 0.5, processed: 2, metrics: { latency: 1 } }).success).toBe(true);
    expect(SkillResponseSchema.safeParse({ id: 1, error: 'x' }).success).toBe(true);
    expect(SkillResponseSchema.safeParse({ id: 1 }).success).toBe(false);
    expect(SkillResponseSchema.safeParse({ id: 1, qualityScore: 2 }).success).toBe(false);
  });
});
