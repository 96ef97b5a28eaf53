import { getEventListeners } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { commandIdentity, commandSkill, type CommandSkill, type CommandSkillRef } from '../../src/actors/commandSkill.ts';
import type { SkillContext } from '../../src/actors/skill.ts';
import { SkillRequestSchema } from '../../src/actors/skillProtocol.ts';
import { ScenarioError } from '../../src/errors.ts';
import { alive, until } from '../support/processes.ts';

/**
 * What commandSkill.test.ts leaves unchecked (test/mutation-survivors/actors-fd4ec55.md): the paths that start
 * no child, the warm-up of a child that fails it, the exact wording and trimming of what a child wrote, and
 * the processes and listeners left behind. The children are small Node scripts, written to a temp folder.
 */
const READ_LINES = `
const rl = require('node:readline').createInterface({ input: process.stdin });
const send = (value) => process.stdout.write(JSON.stringify(value) + '\\n');
`;
const scripts: Record<string, string> = {
  // Answers each request with the size of its batch.
  'echo.cjs': `${READ_LINES}
rl.on('line', (line) => {
  const r = JSON.parse(line);
  if (r.cancel) return;
  send({ id: r.id, qualityScore: 0.5, processed: r.items.length });
});`,
  'fails.cjs': `${READ_LINES}
rl.on('line', (line) => send({ id: JSON.parse(line).id, error: 'model overloaded' }));`,
  // Never answers anything, not even cancels; says on stderr what it got.
  'deaf.cjs': `${READ_LINES}
rl.on('line', (line) => process.stderr.write('got ' + line.slice(0, 30) + '\\n'));`,
  // Notes every request on stderr as it got it, and answers it.
  'notes.cjs': `${READ_LINES}
rl.on('line', (line) => {
  process.stderr.write('request ' + line + '\\n');
  send({ id: JSON.parse(line).id, qualityScore: 1 });
});`,
  // A skill that crashes on an empty batch: says "start" when it starts, and exits on the warm-up request.
  'crashesOnWarmUp.cjs': `${READ_LINES}
process.stderr.write('start\\n');
rl.on('line', (line) => {
  const r = JSON.parse(line);
  if (r.items.length === 0) process.exit(1);
  send({ id: r.id, qualityScore: 1 });
});`,
  // Answers the warm-up with an error response, exits on batch 1, answers the others; notes each request's key.
  'refusesWarmUp.cjs': `${READ_LINES}
rl.on('line', (line) => {
  const r = JSON.parse(line);
  process.stderr.write('key ' + r.idempotencyKey + '\\n');
  if (r.items.length === 0) return send({ id: r.id, error: 'nothing to do' });
  if (r.batchIndex === 1) process.exit(1);
  send({ id: r.id, qualityScore: 1 });
});`,
  // Does what the batch's params say: write params.stderr's lines on stderr, then exit with params.exit, or
  // write params.reply (ID replaced by the request's id; default: a result) in one write on stdout.
  'says.cjs': `${READ_LINES}
rl.on('line', (line) => {
  const r = JSON.parse(line);
  if (r.cancel) return;
  const p = r.params;
  for (const l of p.stderr ?? []) process.stderr.write(l + '\\n');
  if (p.exit !== undefined) process.exit(p.exit);
  const reply = p.reply === undefined ? JSON.stringify({ id: r.id, qualityScore: 1 }) : p.reply.replaceAll('ID', String(r.id));
  process.stdout.write(reply + '\\n');
});`,
  // Exits at once, without reading its input.
  'quits.cjs': `process.exit(2);`,
  // Starts a grandchild that would live for a minute, says its pid on stderr, and exits on its first request.
  'leavesGrandchild.cjs': `${READ_LINES}
const grandchild = require('node:child_process').spawn('sleep', ['60'], { stdio: 'ignore' });
process.stderr.write('grandchild ' + grandchild.pid + '\\n');
rl.on('line', () => process.exit(1));`,
  // Ignores SIGTERM and the end of its input, and so does the Node grandchild it starts; answers once that
  // grandchild is ready (its SIGTERM handler set), saying its pid on stderr.
  'trapsTerm.cjs': `${READ_LINES}
process.on('SIGTERM', () => {});
process.stdin.on('end', () => setInterval(() => {}, 1000));
const grandchild = require('node:child_process').spawn(process.execPath, ['-e', "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000); console.log('ready')"], { stdio: ['ignore', 'pipe', 'ignore'] });
const ready = new Promise((r) => grandchild.stdout.once('data', r));
process.stderr.write('grandchild ' + grandchild.pid + '\\n');
rl.on('line', (line) => ready.then(() => send({ id: JSON.parse(line).id, qualityScore: 1 })));`,
};

let dir: string;
let emptyDir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'command-skill-gaps-'));
  emptyDir = mkdtempSync(join(tmpdir(), 'command-skill-gaps-empty-'));
  for (const [name, source] of Object.entries(scripts)) writeFileSync(join(dir, name), source);
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(emptyDir, { recursive: true, force: true });
});

const open: CommandSkill[] = [];
/** Every child and grandchild a test saw: none may outlive it. */
const seen = new Set<number>();
afterEach(async () => {
  const skills = open.splice(0);
  for (const skill of skills) for (const pid of Object.values(skill.pids())) seen.add(pid);
  const closing = Promise.all(skills.map((skill) => skill.close()));
  // A child close() cannot end is what a failing test here reports, not a hang.
  await Promise.race([closing, new Promise((r) => setTimeout(r, 2_000))]);
  const left = [...seen].filter(alive);
  for (const pid of left) process.kill(pid, 'SIGKILL');
  seen.clear();
  await closing;
  expect(left).toEqual([]);
});

function skillOf(script: string, extra: Partial<CommandSkillRef> = {}, stderr: string[] = []): CommandSkill {
  const skill = commandSkill({ command: [process.execPath, script], cwd: dir, cancelGraceMs: 300, ...extra }, { stderr: (line) => stderr.push(line) });
  open.push(skill);
  return skill;
}

function ctx(scenario: string, batchIndex: number, params: Record<string, unknown> = {}, signal = new AbortController().signal): SkillContext {
  return { scenario, params, signal, batchIndex, attempt: 1, idempotencyKey: `orch-t/${scenario}/batch/${batchIndex}`, seed: 1, random: () => 0.5 };
}

const items = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `i${i}`, value: i / n }));

const grandchildOf = (lines: string[]): number => {
  const pid = Number(/grandchild (\d+)/.exec(lines.join('\n'))?.[1]);
  seen.add(pid);
  return pid;
};

describe('commandSkill: when it starts no child', () => {
  it('fails a batch whose signal has already aborted without starting a child', async () => {
    const skill = skillOf('echo.cjs');
    const abort = new AbortController();
    abort.abort(new Error('time budget exceeded'));
    await expect(skill.run(items(1), ctx('alpha', 0, {}, abort.signal))).rejects.toThrow(/^batch cancelled: time budget exceeded$/);
    expect(skill.pids()).toEqual({});
  });

  it('is ready at once after close(), starting nothing', async () => {
    const skill = skillOf('echo.cjs');
    await skill.close();
    await skill.ready('alpha');
    expect(skill.pids()).toEqual({});
  });
});

describe('commandSkill: request ids and warm-ups', () => {
  it('numbers the warm-up and the batches 1, 2, 3, each a request the protocol accepts', async () => {
    const stderr: string[] = [];
    const skill = skillOf('notes.cjs', {}, stderr);
    await skill.ready('alpha');
    await skill.run(items(1), ctx('alpha', 0));
    await skill.run(items(2), ctx('alpha', 1));
    // Its stderr is another pipe than its answers: the last note may come after the last answer.
    await until(() => stderr.length === 3, 'the notes of 3 requests');
    const requests = stderr.map((line) => SkillRequestSchema.parse(JSON.parse(line.replace(/^\[alpha\] request /, ''))));
    expect(requests.map((r) => [r.id, r.items.length])).toEqual([
      [1, 0],
      [2, 1],
      [3, 2],
    ]);
  });

  it('does not warm up again a scenario whose child died on its warm-up; its batches still run', async () => {
    const stderr: string[] = [];
    const skill = skillOf('crashesOnWarmUp.cjs', {}, stderr);
    await skill.ready('alpha');
    expect(skill.pids()).toEqual({});
    await skill.ready('alpha');
    expect(skill.pids()).toEqual({});
    // Every child started so far has died, so all it wrote on stderr is in: one child, none for the second ready().
    expect(stderr).toEqual(['[alpha] start']);
    await expect(skill.run(items(1), ctx('alpha', 0))).resolves.toEqual({ qualityScore: 1 });
  });

  it('warms up again, after a restart, a child that answered its warm-up with an error', async () => {
    const stderr: string[] = [];
    const skill = skillOf('refusesWarmUp.cjs', {}, stderr);
    await skill.ready('alpha');
    await expect(skill.run(items(1), ctx('alpha', 0))).resolves.toEqual({ qualityScore: 1 });
    await expect(skill.run(items(1), ctx('alpha', 1))).rejects.toThrow(/exited with code 1/);
    await skill.ready('alpha');
    expect(skill.pids().alpha).toEqual(expect.any(Number));
    await until(() => stderr.length === 4, 'the second warm-up');
    expect(stderr).toEqual(['[alpha] key warm-up/alpha', '[alpha] key orch-t/alpha/batch/0', '[alpha] key orch-t/alpha/batch/1', '[alpha] key warm-up/alpha']);
  });

  it('leaves no abort listener on a batch\'s signal once the batch is answered, with a result or an error', async () => {
    // A signal that outlives its batches (one per run, say) would otherwise gather a listener per batch.
    const signal = new AbortController().signal;
    await skillOf('echo.cjs').run(items(1), ctx('alpha', 0, {}, signal));
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
    await expect(skillOf('fails.cjs').run(items(1), ctx('alpha', 0, {}, signal))).rejects.toThrow('model overloaded');
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
  });
});

describe('commandSkill: what it says', () => {
  it('quotes at most 200 characters of a line out of protocol', async () => {
    const skill = skillOf('says.cjs');
    await expect(skill.run(items(1), ctx('alpha', 0, { reply: 'x'.repeat(300) }))).rejects.toThrow(`wrote a line that is not JSON: "${'x'.repeat(200)}…"; a skill writes`);
    await expect(skill.run(items(1), ctx('alpha', 1, { reply: 'y'.repeat(200) }))).rejects.toThrow(`wrote a line that is not JSON: "${'y'.repeat(200)}"; a skill writes`);
  });

  it('names the last 5 stderr lines of a child that died, each cut at 200 characters, and passes them on whole', async () => {
    const stderr: string[] = [];
    const skill = skillOf('says.cjs', {}, stderr);
    const lines = ['one', 'two', 'three', 'e'.repeat(300), 'f'.repeat(200), 'six', 'seven'];
    const batch = skill.run(items(1), ctx('alpha', 0, { stderr: lines, exit: 3 }));
    await expect(batch).rejects.toThrow(new RegExp(`exited with code 3; its last stderr: "three" "e{200}…" "f{200}" "six" "seven"$`));
    expect(stderr).toEqual(lines.map((line) => `[alpha] ${line}`));
  });

  it('ends the message of a child that died saying nothing with its exit code', async () => {
    const skill = skillOf('says.cjs');
    await expect(skill.run(items(1), ctx('alpha', 0, { exit: 3 }))).rejects.toThrow(/^skill command says\.cjs \(pid \d+\) of scenario "alpha" exited with code 3$/);
  });

  it('ends the message of a program that could not be started with spawn\'s reason', async () => {
    const skill = commandSkill({ command: ['no-such-program-for-scenarios'], cwd: dir });
    open.push(skill);
    await expect(skill.run(items(1), ctx('alpha', 0))).rejects.toThrow(/^skill command no-such-program-for-scenarios of scenario "alpha" could not be started: spawn no-such-program-for-scenarios ENOENT$/);
  });

  it('passes what a child writes on stderr to process.stderr by default, one line at a time under its scenario', async () => {
    const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const skill = commandSkill({ command: [process.execPath, 'says.cjs'], cwd: dir });
      open.push(skill);
      await expect(skill.run(items(1), ctx('alpha', 0, { stderr: ['hi'], exit: 3 }))).rejects.toThrow(/exited with code 3; its last stderr: "hi"$/);
      expect(write).toHaveBeenCalledWith('[alpha] hi\n');
    } finally {
      write.mockRestore();
    }
  });

  it('ignores blank lines on stdout', async () => {
    const skill = skillOf('says.cjs');
    await expect(skill.run(items(1), ctx('alpha', 0, { reply: '\n   \n{"id":ID,"qualityScore":0.25}' }))).resolves.toEqual({ qualityScore: 0.25 });
  });

  it('reports a line out of protocol on stderr when no batch is in flight, and keeps the child', async () => {
    const stderr: string[] = [];
    const skill = skillOf('says.cjs', {}, stderr);
    // The answer and the stray line in one write: the line is read once the batch is answered.
    await expect(skill.run(items(1), ctx('alpha', 0, { reply: '{"id":ID,"qualityScore":1}\njunk' }))).resolves.toEqual({ qualityScore: 1 });
    const pid = skill.pids().alpha;
    expect(stderr).toEqual([
      `[alpha] ignored: skill command says.cjs (pid ${pid}) of scenario "alpha" wrote a line that is not JSON: "junk"; a skill writes one JSON response per line on stdout (logs go to stderr, see docs/skill-protocol.md)`,
    ]);
    await expect(skill.run(items(1), ctx('alpha', 1))).resolves.toEqual({ qualityScore: 1 });
    expect(skill.pids().alpha).toBe(pid);
  });

  it('fails the batch on JSON that is not a response, and on an error response that is not a string', async () => {
    const skill = skillOf('says.cjs');
    await expect(skill.run(items(1), ctx('alpha', 0, { reply: '[1]' }))).rejects.toThrow('wrote a line that is not a response (a JSON object with an integer "id"): "[1]"; a skill writes');
    await expect(skill.run(items(1), ctx('alpha', 1, { reply: '{"id":ID,"error":5}' }))).rejects.toThrow(
      'of scenario "alpha" answered request 2 with an invalid error response ("error" must be a string and nothing else beside "id"): "{\\"id\\":2,\\"error\\":5}"',
    );
  });

  it('fails a batch whose items are not JSON, and keeps the child for the next one', async () => {
    const skill = skillOf('says.cjs');
    await skill.ready('alpha');
    const pid = skill.pids().alpha;
    await expect(skill.run([{ id: 'a', n: 1n }], ctx('alpha', 4))).rejects.toThrow(
      new RegExp(`^cannot send batch 4 to skill command says\\.cjs \\(pid ${pid}\\) of scenario "alpha": its items or params are not JSON \\(TypeError: .*BigInt`),
    );
    await expect(skill.run(items(1), ctx('alpha', 5))).resolves.toEqual({ qualityScore: 1 });
    expect(skill.pids().alpha).toBe(pid);
  });

  it('refuses a reference without a program in one line saying why', () => {
    const prefix = 'commandSkill needs { command: ["<program>", "<arg>", ...], name?, version?, cwd?, cancelGraceMs? }: ';
    expect(() => commandSkill({ command: [] })).toThrow(new ScenarioError('skill_invalid', `${prefix}✖ must name the program to run   → at command`));
    // A JavaScript caller may hand it another kind of skill reference.
    expect(() => commandSkill({ name: 'simulated' } as never)).toThrow(new ScenarioError('skill_invalid', `${prefix}it names no command`));
  });
});

describe('commandIdentity', () => {
  it('takes no argument that looks like a flag for the script', () => {
    writeFileSync(join(emptyDir, '-u'), 'not the skill');
    try {
      const identity = commandIdentity(['python3', '-u'], emptyDir);
      expect(identity.name).toBe('python3');
      expect(identity).toEqual(commandIdentity(['python3', '-u'], dir));
    } finally {
      rmSync(join(emptyDir, '-u'));
    }
  });

  it('takes a bare program for one found on the PATH, not for a file of that name in the folder', () => {
    expect(commandIdentity(['echo.cjs'], dir)).toEqual(commandIdentity(['echo.cjs'], emptyDir));
  });

  it('versions command lines that differ only in where their arguments split apart', () => {
    expect(commandIdentity(['x', 'ab'], emptyDir).version).not.toBe(commandIdentity(['x', 'a', 'b'], emptyDir).version);
  });
});

describe('commandSkill: what it leaves behind', () => {
  it('ends what a child started when the child exits by itself', async () => {
    const stderr: string[] = [];
    const skill = skillOf('leavesGrandchild.cjs', {}, stderr);
    await expect(skill.run(items(1), ctx('alpha', 0))).rejects.toThrow(/exited with code 1/);
    const grandchild = grandchildOf(stderr);
    await until(() => !alive(grandchild), 'the grandchild to end', 1_000);
  });

  it('close() ends a child and grandchild that ignore SIGTERM', async () => {
    const stderr: string[] = [];
    const skill = skillOf('trapsTerm.cjs', { cancelGraceMs: 100 }, stderr);
    await skill.run(items(1), ctx('alpha', 0));
    const pids = [skill.pids().alpha!, grandchildOf(stderr)];
    seen.add(pids[0]!);
    expect(pids.every(alive)).toBe(true);
    const closed = await Promise.race([skill.close().then(() => true), new Promise((r) => setTimeout(() => r(false), 1_500))]);
    expect(closed).toBe(true);
    await until(() => !pids.some(alive), 'both to end', 1_000);
  });

  it('fails the batch of a child that exits before reading a large request, with no stray EPIPE error', async () => {
    // Without a listener, the pipe's EPIPE would be an uncaught error thrown in whatever runs next.
    const uncaught: unknown[] = [];
    const saved = process.listeners('uncaughtException');
    process.removeAllListeners('uncaughtException');
    process.on('uncaughtException', (error) => uncaught.push(error));
    try {
      const skill = skillOf('quits.cjs');
      const big = Array.from({ length: 2_000 }, (_, i) => ({ id: `i${i}`, text: 'z'.repeat(1_000) }));
      await expect(skill.run(big, ctx('alpha', 0))).rejects.toThrow(/exited with code 2$/);
      await new Promise((r) => setTimeout(r, 50));
    } finally {
      process.removeAllListeners('uncaughtException');
      for (const listener of saved) process.on('uncaughtException', listener);
    }
    expect(uncaught).toEqual([]);
  });

  it('fails the other batches in flight, naming the cancelled request, when it kills a child that left a cancel unanswered', async () => {
    const stderr: string[] = [];
    const skill = skillOf('deaf.cjs', { cancelGraceMs: 200 }, stderr);
    const abort = new AbortController();
    const first = skill.run(items(1), ctx('alpha', 0, {}, abort.signal));
    const second = skill.run(items(1), ctx('alpha', 1));
    await until(() => stderr.length === 2, 'both requests');
    abort.abort(new Error('paused'));
    await expect(first).rejects.toThrow('batch cancelled: paused');
    await expect(second).rejects.toThrow(/ of scenario "alpha" was killed: it did not answer cancelled request 1 within 200 ms; its last stderr: /);
  });
});
