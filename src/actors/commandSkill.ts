import { AsyncResource } from 'node:async_hooks';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import { SkillRefSchema, type SkillRef } from '../config/schema.ts';
import { ScenarioError, toError } from '../errors.ts';
import type { Skill, SkillResult } from './skill.ts';
import { SkillErrorResponseSchema, SkillResponseEnvelopeSchema, type SkillRequest } from './skillProtocol.ts';

/** `skill: { command: [...] }` as written (defaults may be left out). */
export type CommandSkillRef = Extract<z.input<typeof SkillRefSchema>, { command: unknown }>;
type ParsedCommandRef = Extract<SkillRef, { command: unknown }>;

export interface CommandSkillOptions {
  /** Where the children's stderr goes, one line at a time, prefixed with `[scenario] ` (default: process.stderr). */
  stderr?: (line: string) => void;
  /** The folder a relative `cwd` (or, without one, the child's working directory) is taken from (default: process.cwd()). */
  cwd?: string;
}

/** A skill backed by child processes; `close()` ends them (call it when the run is over). */
export interface CommandSkill extends Skill<unknown> {
  /**
   * Settles once `scenario`'s child (started now if it has none: on the first batch, or after it died) has
   * answered its warm-up request (a request with no items), so a batch sent afterwards is timed without the
   * child's start-up. Never rejects: a child that cannot start or dies meanwhile fails the batch that follows.
   */
  ready(scenario: string): Promise<void>;
  /** Ends every child: stdin closed, then killed (with whatever it started) after cancelGraceMs. */
  close(): Promise<void>;
  /** The process id of each scenario's child while one runs (diagnostics and tests). */
  pids(): Record<string, number>;
}

/**
 * Skills whose batches should be timed only once the scenario's process is ready: command skills, and
 * skills made of them (an A/B pair). The orchestration reads each batch's items after `ready(scenario)`
 * (itemsWhenReady), and times only the skill's call, so a child's start-up is not a batch's busy time.
 */
const readiness = new WeakMap<Skill<unknown>, (scenario: string) => Promise<void>>();

/** The skill's `ready(scenario)` if it has one (a command skill, or a skill marked by withReadiness). */
export function skillReadiness(skill: Skill<unknown>): ((scenario: string) => Promise<void>) | undefined {
  return readiness.get(skill);
}

/** Marks `skill` (made of command skills, say) as ready for a scenario when `ready(scenario)` settles. */
export function withReadiness<S extends Skill<unknown>>(skill: S, ready: (scenario: string) => Promise<void>): S {
  readiness.set(skill, ready);
  return skill;
}

/** Longest stretch of a child's output quoted in an error message. */
const QUOTE_CHARS = 200;
/** Stderr lines kept per child, to say why it died. */
const STDERR_TAIL = 5;

/**
 * A skill in any language: one long-lived child process per scenario (started on that scenario's first
 * batch, and again after it died or was killed; each answers a warm-up request before a batch of the run is
 * timed, see `ready`), speaking the JSON-lines protocol of docs/skill-protocol.md
 * (schemas in skillProtocol.ts). Several requests may be in flight per child; responses match by id.
 * @example
 * ```ts
 * const skill = commandSkill({ command: ['python3', 'my_skill.py'] });
 * try { await createOrchestration(config, { skill }).result; } finally { await skill.close(); }
 * ```
 */
export function commandSkill(ref: CommandSkillRef, options: CommandSkillOptions = {}): CommandSkill {
  const spec = parseRef(ref);
  const cwd = resolve(options.cwd ?? process.cwd(), spec.cwd ?? '.');
  const identity = commandIdentity(spec.command, cwd);
  const name = spec.name ?? identity.name;
  const sink = options.stderr ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const children = new Map<string, SkillChild>();
  // Children are started inside a batch's call, but outlive it: their pipes and timers belong to the skill,
  // not to that batch's async context (which the run's containment reads to blame a batch for a fault).
  const scope = new AsyncResource('scenarios.commandSkill');
  let nextId = 1;
  let closed = false;
  // Scenarios whose child died on its warm-up request (a skill that crashes on an empty batch): not warmed up
  // again, so its batches still run (their start-up then counted as before) instead of a child started twice each.
  const noWarmUp = new Set<string>();

  const start = (scenario: string): SkillChild => {
    const started: SkillChild = scope.runInAsyncScope(() => new SkillChild({ ...spec, cwd }, name, scenario, sink, scope, () => {
      if (children.get(scenario) === started) children.delete(scenario);
    }));
    children.set(scenario, started);
    return started;
  };

  const skill: CommandSkill = {
    name,
    version: spec.version ?? identity.version,
    run(items, ctx) {
      if (closed) return Promise.reject(new Error(`skill command ${name} was closed`));
      if (ctx.signal.aborted) return Promise.reject(abortError(ctx.signal.reason));
      let child = children.get(ctx.scenario);
      if (!child) {
        try {
          child = start(ctx.scenario);
        } catch (error) {
          // spawn() refuses some arguments outright (a NUL byte): a failed batch, like a program that is missing.
          return Promise.reject(new Error(`skill command ${name} of scenario "${ctx.scenario}" could not be started: ${toError(error).message}`));
        }
      }
      const request: SkillRequest = {
        id: nextId++,
        scenario: ctx.scenario,
        batchIndex: ctx.batchIndex,
        attempt: ctx.attempt,
        idempotencyKey: ctx.idempotencyKey,
        params: ctx.params,
        items,
      };
      return child.request(request, ctx.signal);
    },
    ready(scenario) {
      if (closed || noWarmUp.has(scenario)) return Promise.resolve();
      let child: SkillChild;
      try {
        child = children.get(scenario) ?? start(scenario);
      } catch {
        // The batch that follows starts it again and fails with why.
        return Promise.resolve();
      }
      return child.warmUp(() => nextId++, scenario).then((survived) => {
        if (!survived) noWarmUp.add(scenario);
      });
    },
    async close() {
      closed = true;
      const ending = [...children.values()];
      children.clear();
      await Promise.all(ending.map((child) => child.end(spec.cancelGraceMs)));
    },
    pids() {
      const out: Record<string, number> = Object.create(null) as Record<string, number>;
      for (const [scenario, child] of children) if (child.pid !== undefined) out[scenario] = child.pid;
      return out;
    },
  };
  return withReadiness(skill, (scenario) => skill.ready(scenario));
}

function parseRef(ref: CommandSkillRef): ParsedCommandRef {
  const parsed = SkillRefSchema.safeParse(ref);
  if (!parsed.success || !('command' in parsed.data)) {
    const why = parsed.success ? 'it names no command' : z.prettifyError(parsed.error).replaceAll('\n', ' ');
    throw new ScenarioError('skill_invalid', `commandSkill needs { command: ["<program>", "<arg>", ...], name?, version?, cwd?, cancelGraceMs? }: ${why}`);
  }
  return parsed.data;
}

/**
 * The skill's default name and version: the script's file name and a short hash of its content, so the
 * cache and reports tell an edited script from the old one. The script is the first argument that names an
 * existing file (`python3 my_skill.py`), else the program itself when given as a path (`./skill.sh`); with
 * neither, the program's name and a hash of the whole command line.
 */
export function commandIdentity(command: readonly string[], cwd: string): { name: string; version: string } {
  const [program = '', ...args] = command;
  const candidates = [...args.filter((arg) => !arg.startsWith('-')), ...(program.includes('/') ? [program] : [])];
  for (const candidate of candidates) {
    const path = resolve(cwd, candidate);
    if (isFile(path)) return { name: basename(path), version: shortHash(readFileSync(path)) };
  }
  return { name: basename(program), version: shortHash(command.join('\0')) };
}

/** False also for a path no file can have (a NUL byte): spawn refuses that one when the batch runs. */
function isFile(path: string): boolean {
  try {
    return statSync(path, { throwIfNoEntry: false })?.isFile() ?? false;
  } catch {
    return false;
  }
}

const shortHash = (data: string | Buffer) => createHash('sha256').update(data).digest('hex').slice(0, 12);

function abortError(reason: unknown): Error {
  const why = reason === undefined ? 'aborted' : toError(reason).message;
  return new Error(`batch cancelled: ${why}`);
}

function quote(line: string): string {
  return JSON.stringify(line.length > QUOTE_CHARS ? `${line.slice(0, QUOTE_CHARS)}…` : line);
}

/** The warm-up request is never cancelled: a child that does not answer it is waited for, as a batch would be. */
const NEVER_ABORTED = new AbortController().signal;

interface Pending {
  resolve(result: SkillResult): void;
  reject(error: Error): void;
}

/**
 * One scenario's child process. Its requests in flight are `pending`; a request settled without its answer
 * (cancelled, or failed by a line out of protocol) is `abandoned`, so its late answer is dropped quietly. A
 * cancelled request left unanswered past the grace gets the child killed. When the child is gone, every
 * request still pending fails with how it ended and its last stderr lines.
 */
class SkillChild {
  readonly pid: number | undefined;
  readonly #process: ChildProcessWithoutNullStreams;
  readonly #label: string;
  readonly #scope: AsyncResource;
  readonly #graceMs: number;
  readonly #cwd: string;
  readonly #onGone: () => void;
  readonly #say: (line: string) => void;
  readonly #pending = new Map<number, Pending>();
  readonly #abandoned = new Map<number, NodeJS.Timeout | undefined>();
  readonly #stderrTail: string[] = [];
  readonly #closed: Promise<void>;
  #gone = false;
  #killedBecause: string | undefined;
  #spawnError: Error | undefined;
  #warmUp: Promise<boolean> | undefined;

  constructor(spec: ParsedCommandRef & { cwd: string }, name: string, scenario: string, sink: (line: string) => void, scope: AsyncResource, onGone: () => void) {
    const [program = '', ...args] = spec.command;
    this.#scope = scope;
    this.#graceMs = spec.cancelGraceMs;
    this.#cwd = spec.cwd;
    this.#onGone = onGone;
    this.#say = (line) => sink(`[${scenario}] ${line}`);
    // Its own process group, so a kill reaches whatever it started too (a shell's awk, a Python pool).
    this.#process = spawn(program, args, { cwd: spec.cwd, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    this.pid = this.#process.pid;
    this.#label = `skill command ${name}${this.pid === undefined ? '' : ` (pid ${this.pid})`} of scenario "${scenario}"`;

    this.#process.on('error', (error) => {
      this.#spawnError ??= error;
    });
    // Writing to a child that has died fails with EPIPE; its exit says what happened, so this is not news.
    this.#process.stdin.on('error', () => undefined);
    createInterface({ input: this.#process.stdout, crlfDelay: Infinity }).on('line', (line) => this.#onLine(line));
    createInterface({ input: this.#process.stderr, crlfDelay: Infinity }).on('line', (line) => {
      this.#say(line);
      this.#stderrTail.push(line.length > QUOTE_CHARS ? `${line.slice(0, QUOTE_CHARS)}…` : line);
      if (this.#stderrTail.length > STDERR_TAIL) this.#stderrTail.shift();
    });
    // Whatever it started dies with it, so nothing outlives the skill.
    this.#process.on('exit', () => this.#killGroup());
    this.#closed = new Promise((done) => {
      this.#process.on('close', (code: number | null, signal: NodeJS.Signals | null) => {
        this.#markGone();
        this.#failPending(new Error(`${this.#label} ${this.#howItEnded(code, signal)}${this.#lastStderr()}`));
        for (const timer of this.#abandoned.values()) clearTimeout(timer);
        this.#abandoned.clear();
        done();
      });
    });
  }

  request(request: SkillRequest, signal: AbortSignal): Promise<SkillResult> {
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        if (!this.#pending.delete(request.id)) return;
        this.#cancel(request.id);
        reject(abortError(signal.reason));
      };
      this.#pending.set(request.id, {
        resolve: (result) => {
          signal.removeEventListener('abort', onAbort);
          resolve(result);
        },
        reject: (error) => {
          signal.removeEventListener('abort', onAbort);
          reject(error);
        },
      });
      signal.addEventListener('abort', onAbort, { once: true });
      let line: string;
      try {
        line = JSON.stringify(request);
      } catch (error) {
        this.#pending.get(request.id)?.reject(new Error(`cannot send batch ${request.batchIndex} to ${this.#label}: its items or params are not JSON (${String(error)})`));
        this.#pending.delete(request.id);
        return;
      }
      this.#process.stdin.write(`${line}\n`);
    });
  }

  /**
   * Sends one request with no items (once per child) and settles when it is answered, with a result or an
   * error alike: the child has started and reads its requests. True unless the child died meanwhile.
   */
  warmUp(nextId: () => number, scenario: string): Promise<boolean> {
    if (this.#warmUp) return this.#warmUp;
    const request: SkillRequest = { id: nextId(), scenario, batchIndex: 0, attempt: 1, idempotencyKey: `warm-up/${scenario}`, params: {}, items: [] };
    this.#warmUp = this.request(request, NEVER_ABORTED).then(
      () => true,
      () => !this.#gone,
    );
    return this.#warmUp;
  }

  /** Closes its stdin (a skill ends when it reads end of input), and kills it if it is still there after `graceMs`. */
  async end(graceMs: number): Promise<void> {
    this.#failPending(new Error(`${this.#label} was closed while the batch was in flight`));
    this.#process.stdin.end();
    const timer = this.#scope.runInAsyncScope(() => setTimeout(() => this.kill(`it did not exit within ${graceMs} ms of its stdin closing`), graceMs));
    await this.#closed;
    clearTimeout(timer);
  }

  /** SIGKILL for it and its process group; requests in flight fail at once, naming `why`. */
  kill(why: string): void {
    if (this.#gone) return;
    this.#killedBecause = why;
    this.#markGone();
    this.#failPending(new Error(`${this.#label} was killed: ${why}${this.#lastStderr()}`));
    this.#killGroup();
  }

  #cancel(id: number): void {
    if (this.#gone) return;
    this.#process.stdin.write(`${JSON.stringify({ id, cancel: true })}\n`);
    const timer = this.#scope.runInAsyncScope(() =>
      setTimeout(() => {
        if (this.#abandoned.has(id)) this.kill(`it did not answer cancelled request ${id} within ${this.#graceMs} ms`);
      }, this.#graceMs),
    );
    this.#abandoned.set(id, timer);
  }

  #onLine(raw: string): void {
    const line = raw.trim();
    // Killed: what it wrote before the kill answers requests already failed.
    if (line === '' || this.#gone) return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      this.#outOfProtocol(`wrote a line that is not JSON: ${quote(line)}`);
      return;
    }
    const envelope = SkillResponseEnvelopeSchema.safeParse(value);
    if (!envelope.success) {
      this.#outOfProtocol(`wrote a line that is not a response (a JSON object with an integer "id"): ${quote(line)}`);
      return;
    }
    const { id, ...answer } = envelope.data;
    if (this.#abandoned.has(id)) {
      clearTimeout(this.#abandoned.get(id));
      this.#abandoned.delete(id);
      return;
    }
    const pending = this.#pending.get(id);
    if (!pending) {
      this.#outOfProtocol(`answered request ${id}, which is not in flight (never sent, or answered already): ${quote(line)}`);
      return;
    }
    this.#pending.delete(id);
    if (!('error' in answer)) {
      // Not checked here: the batch runner checks it as it checks a JavaScript skill's result, with the same message.
      pending.resolve(answer as SkillResult);
      return;
    }
    const failure = SkillErrorResponseSchema.safeParse(envelope.data);
    pending.reject(new Error(failure.success ? failure.data.error : `${this.#label} answered request ${id} with an invalid error response ("error" must be a string and nothing else beside "id"): ${quote(line)}`));
  }

  /**
   * A stdout line that answers no request: the child and this side disagree on what is in flight, so every
   * request in flight fails with the line quoted (and is retried as usual); the child keeps running. With
   * nothing in flight, the line is reported on stderr and ignored.
   */
  #outOfProtocol(what: string): void {
    const message = `${this.#label} ${what}; a skill writes one JSON response per line on stdout (logs go to stderr, see docs/skill-protocol.md)`;
    if (this.#pending.size === 0) {
      this.#say(`ignored: ${message}`);
      return;
    }
    for (const id of this.#pending.keys()) this.#abandoned.set(id, undefined);
    this.#failPending(new Error(message));
  }

  #failPending(error: Error): void {
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const request of pending) request.reject(error);
  }

  #markGone(): void {
    if (this.#gone) return;
    this.#gone = true;
    this.#onGone();
  }

  #killGroup(): void {
    if (this.pid === undefined) return;
    try {
      process.kill(-this.pid, 'SIGKILL');
    } catch {
      // The group is empty already (or was never one): the child itself, if it is still there.
      this.#process.kill('SIGKILL');
    }
  }

  #howItEnded(code: number | null, signal: NodeJS.Signals | null): string {
    // spawn says ENOENT for a missing working directory too, naming the program: say which it was.
    if (this.#spawnError) return `could not be started: ${this.#spawnError.message}${existsSync(this.#cwd) ? '' : ` (its working directory ${this.#cwd} does not exist)`}`;
    if (this.#killedBecause !== undefined) return `was killed: ${this.#killedBecause}`;
    if (signal) return `was killed by ${signal}`;
    return `exited with code ${code ?? 'unknown'}`;
  }

  #lastStderr(): string {
    return this.#stderrTail.length === 0 ? '' : `; its last stderr: ${this.#stderrTail.map((l) => JSON.stringify(l)).join(' ')}`;
  }
}
