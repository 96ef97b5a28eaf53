import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { CallRecord, WorkerProcessOptions } from './workerProcess.ts';

const script = fileURLToPath(new URL('./workerProcess.ts', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));

export interface WorkerChild {
  readonly child: ChildProcess;
  readonly pid: number;
  stdout(): string;
  stderr(): string;
  /** Resolves with the worker's name and skill version once it takes work. */
  readonly ready: Promise<{ name: string; skillVersion: string }>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves when stdout or stderr has matched `pattern`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
}

const live = new Set<ChildProcess>();

/** `node --import tsx workerProcess.ts <options>`: a real worker process (see workerProcess.ts). */
export function spawnWorkerProcess(options: WorkerProcessOptions): WorkerChild {
  const child = spawn(process.execPath, ['--import', 'tsx', script, JSON.stringify(options)], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env } });
  live.add(child);
  let out = '';
  let err = '';
  const listeners = new Set<() => void>();
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
    for (const l of listeners) l();
  });
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
    for (const l of listeners) l();
  });
  const exited = once(child, 'exit').then(([code, signal]) => {
    live.delete(child);
    for (const l of listeners) l();
    return { code: code as number | null, signal: signal as NodeJS.Signals | null };
  });
  let ended = false;
  void exited.then(() => (ended = true));
  const waitFor = (pattern: RegExp, timeoutMs = 60_000) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (pattern.test(out) || pattern.test(err)) {
          listeners.delete(check);
          clearTimeout(timer);
          resolve();
        } else if (ended) {
          listeners.delete(check);
          clearTimeout(timer);
          reject(new Error(`worker process ${child.pid} exited before ${String(pattern)}; stdout:\n${out}\nstderr:\n${err}`));
        }
      };
      const timer = setTimeout(() => {
        listeners.delete(check);
        reject(new Error(`timed out waiting for ${String(pattern)} from worker process ${child.pid}; stdout:\n${out}\nstderr:\n${err}`));
      }, timeoutMs);
      listeners.add(check);
      check();
    });
  const ready = waitFor(/^ready \S+ \S+$/m).then(() => {
    const match = /^ready (\S+) (\S+)$/m.exec(out);
    if (!match?.[1] || !match[2]) throw new Error(`unreadable ready line: ${out}`);
    return { name: match[1], skillVersion: match[2] };
  });
  // Callers await it; a failure they never await must not be an unhandled rejection.
  ready.catch(() => undefined);
  return { child, pid: child.pid ?? -1, stdout: () => out, stderr: () => err, ready, exited, waitFor };
}

/** SIGKILLs every worker process still running and waits for each to be gone (afterEach/afterAll). */
export async function killWorkerProcesses(): Promise<void> {
  await Promise.all(
    [...live].map(async (child) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = once(child, 'exit');
      child.kill('SIGKILL');
      await gone;
    }),
  );
}

/** The skill calls recorded in `file` by worker processes (workerProcess.ts), in the order they were written. */
export function readCalls(file: string): CallRecord[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as CallRecord);
}

/** Polls `check` every 50 ms until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(what: string, check: () => T | undefined | Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
