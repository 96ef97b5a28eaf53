import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, onTestFinished } from 'vitest';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const cliPath = fileURLToPath(new URL('../../bin/scenarios.js', import.meta.url));

/**
 * A fresh working directory for CLI processes, so nothing they write (`.scenarios/runs.json`, the default
 * `.scenarios/db`) lands in the repository. The repository's `test/` is linked into it, so the relative
 * fixture paths of a command line (`test/fixtures/small-three.json`) mean the same there.
 */
export function tempWorkspace(prefix = 'scenarios-cwd-'): { dir: string; dispose(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  symlinkSync(join(repoRoot, 'test'), join(dir, 'test'), 'dir');
  return { dir, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

let defaultWorkspace: ReturnType<typeof tempWorkspace> | undefined;
const live = new Set<ChildProcess>();
/** The working directory of this test file's CLI processes unless they name one: created on first use, removed after the file. */
export function cliCwd(): string {
  defaultWorkspace ??= tempWorkspace();
  return defaultWorkspace.dir;
}
// Registered while the test file imports this module, so it runs after that file's tests (also when they fail
// or time out): a process a failed test left behind is killed first, so it writes nothing after the removal.
afterAll(async () => {
  for (const child of live) {
    child.kill('SIGKILL');
    if (child.exitCode === null && child.signalCode === null) await once(child, 'exit');
  }
  defaultWorkspace?.dispose();
  defaultWorkspace = undefined;
});

export interface CliRun {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves when stderr has matched `pattern` `count` times. */
  waitFor(pattern: RegExp, count?: number, timeoutMs?: number): Promise<void>;
  exited: Promise<number | null>;
}

/**
 * Starts `scenarios ...args` as a real child process, as a user would, in `cwd` (default: this test file's
 * temp workspace, never the repository).
 */
export function startCli(args: string[], env: NodeJS.ProcessEnv = {}, cwd: string = cliCwd()): CliRun {
  const child = spawn(process.execPath, [cliPath, ...args], { cwd, env: { ...process.env, CI: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const waiters = new Set<() => void>();
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString();
    for (const w of waiters) w();
  });
  live.add(child);
  // A CLI started by a test ends with it, passed or failed (a timed-out wait would leave it running, holding
  // its store); one started in beforeAll lives until the file's end. Not for describe.concurrent tests, where
  // vitest cannot tell which test is current.
  try {
    onTestFinished(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
  } catch {
    // Not inside a test: the afterAll above takes care of it.
  }
  const exited = once(child, 'exit').then(([code]) => {
    live.delete(child);
    return code as number | null;
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitFor(pattern, count = 1, timeoutMs = 30_000) {
      const global = new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`);
      return new Promise((resolve, reject) => {
        const check = () => {
          if ((err.match(global)?.length ?? 0) >= count) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve();
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out waiting for ${String(pattern)} x${count}; stderr:\n${err}`));
        }, timeoutMs);
        waiters.add(check);
        void exited.then(() => {
          if (waiters.has(check)) {
            waiters.delete(check);
            clearTimeout(timer);
            reject(new Error(`process exited before ${String(pattern)} x${count}; stderr:\n${err}`));
          }
        });
        check();
      });
    },
  };
}

/** Runs the CLI to completion. */
export async function runCli(args: string[], env: NodeJS.ProcessEnv = {}, cwd: string = cliCwd()): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const run = startCli(args, env, cwd);
  const code = await run.exited;
  return { code, stdout: run.stdout(), stderr: run.stderr() };
}
