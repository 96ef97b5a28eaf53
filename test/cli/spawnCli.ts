import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const bin = fileURLToPath(new URL('../../bin/scenarios.js', import.meta.url));
export const fixture = (name: string) => join(repoRoot, 'test', 'fixtures', name);

export interface Spawned {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `scenarios ...args` as a child process in `cwd` (a temp folder: tests never write into the repo),
 * without DATABASE_URL unless `env` gives one. Never rejects, so exit codes can be asserted.
 */
export function scenarios(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}, timeoutMs = 150_000): Promise<Spawned> {
  return spawnCommand(process.execPath, [bin, ...args], cwd, env, timeoutMs);
}

/**
 * Runs `scenarios ...args | READER` through bash, so stdout is a real pipe (Node's own child pipes are
 * sockets, which never lose output), read by a reader that starts late. The exit code is the CLI's.
 */
export function scenariosPiped(args: string[], reader: string, cwd: string, timeoutMs = 150_000): Promise<Spawned> {
  return spawnCommand('bash', ['-o', 'pipefail', '-c', `"$0" "$@" | ${reader}`, process.execPath, bin, ...args], cwd, {}, timeoutMs);
}

function spawnCommand(file: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Spawned> {
  const base: NodeJS.ProcessEnv = { ...process.env, CI: '1', NO_COLOR: '1' };
  delete base.DATABASE_URL;
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd, env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${args.join(' ')} timed out; stderr:\n${stderr}`));
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A fresh temp folder and its removal. */
export function tempDir(prefix = 'scenarios-cli-'): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A config of `count` tiny scenarios for the built-in skill with no latency: a big report, fast. */
export function manyScenariosConfig(count: number): object {
  return {
    seed: 1,
    skill: { name: 'simulated', params: { latencyMs: 0 } },
    barriers: { at: [], timeoutMs: 5000 },
    scenarios: Array.from({ length: count }, (_, i) => ({
      name: `scenario-${i}`, difficulty: 'easy', complexityMultiplier: 1, inputSize: 4, timeBudgetSeconds: 60, memoryLimitMb: 100_000,
      errorTolerance: 0, skillParams: { batchSize: 4 }, expectedQuality: 'basic', qualityMetrics: ['accuracy'],
    })),
  };
}
