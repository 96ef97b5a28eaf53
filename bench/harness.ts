/**
 * The measuring kit every benchmark shares: flags, wall + CPU timing, alternating rounds with medians and
 * per-round ratios, child processes (fresh-process figures, time caps), tables, and the result files.
 */
import { execFileSync, fork } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const benchDir = path.dirname(fileURLToPath(import.meta.url));
export const repoDir = path.dirname(benchDir);

export interface BenchFlags {
  /** Small sizes and few rounds: the whole suite in under a minute (CI keeps the benchmarks working with it). */
  quick: boolean;
  /** Where results/<name>.json go: bench/results for a full run, a temp folder under --quick (the tree stays clean). */
  outDir: string;
}

export function flags(argv: readonly string[] = process.argv.slice(2)): BenchFlags {
  const quick = argv.includes('--quick');
  const outAt = argv.indexOf('--out');
  const out = outAt >= 0 ? argv[outAt + 1] : undefined;
  return { quick, outDir: out ? path.resolve(out) : quick ? path.join(os.tmpdir(), 'scenario-orchestrator-bench') : path.join(benchDir, 'results') };
}

/** Wall and CPU (user + system, this process) time of one measured run. */
export interface Sample {
  wallMs: number;
  cpuMs: number;
}

export async function timed<T>(fn: () => Promise<T> | T): Promise<Sample & { value: T }> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await fn();
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { wallMs, cpuMs: (cpu.user + cpu.system) / 1000, value };
}

export const median = (xs: readonly number[]): number => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? NaN) : ((s[mid - 1] ?? NaN) + (s[mid] ?? NaN)) / 2;
};

export interface Stat {
  median: number;
  min: number;
  max: number;
}
export const stat = (xs: readonly number[]): Stat => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs) });

export interface Contender {
  name: string;
  run: () => Promise<Sample>;
}

export interface Alternated {
  /** Per contender, one sample per round. */
  samples: Record<string, Sample[]>;
  /** Per contender, wall and CPU ratio to the baseline within each round. */
  ratios: Record<string, { wall: number[]; cpu: number[] }>;
}

/**
 * Runs every contender once per round, the order rotating from round to round, after `warmups` unrecorded
 * rounds; per-round ratios compare each contender with `baseline` measured in the same round, so a
 * burst of load from another process shifts both sides of a ratio together.
 */
export async function alternate(contenders: readonly Contender[], options: { rounds: number; warmups: number; baseline: string; onRound?: (round: number) => void }): Promise<Alternated> {
  const samples: Record<string, Sample[]> = Object.fromEntries(contenders.map((c) => [c.name, []]));
  const ratios: Alternated['ratios'] = Object.fromEntries(contenders.map((c) => [c.name, { wall: [], cpu: [] }]));
  for (let round = -options.warmups; round < options.rounds; round++) {
    const shift = ((round % contenders.length) + contenders.length) % contenders.length;
    const order = [...contenders.slice(shift), ...contenders.slice(0, shift)];
    const got: Record<string, Sample> = {};
    for (const c of order) {
      gc();
      got[c.name] = await c.run();
    }
    if (round < 0) continue;
    const base = got[options.baseline];
    for (const c of contenders) {
      const s = got[c.name];
      if (!s) continue;
      samples[c.name]?.push(s);
      if (base) ratios[c.name]?.wall.push(s.wallMs / base.wallMs);
      if (base) ratios[c.name]?.cpu.push(s.cpuMs / base.cpuMs);
    }
    options.onRound?.(round);
  }
  return { samples, ratios };
}

/** Collects garbage between measurements when node runs with --expose-gc (bench/run.ts starts benchmarks so). */
export function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** Median wall/CPU per unit (e.g. per batch, in us) and the median per-round ratio to the baseline. */
export function summarize(alt: Alternated, unitsPerRun: number, unitScale = 1000): Record<string, { wallPerUnit: Stat; cpuPerUnit: Stat; wallMs: Stat; cpuMs: Stat; ratioWall: Stat; ratioCpu: Stat; rounds: number }> {
  const out: ReturnType<typeof summarize> = {};
  for (const [name, samples] of Object.entries(alt.samples)) {
    const r = alt.ratios[name] ?? { wall: [], cpu: [] };
    out[name] = {
      wallPerUnit: stat(samples.map((s) => (s.wallMs * unitScale) / unitsPerRun)),
      cpuPerUnit: stat(samples.map((s) => (s.cpuMs * unitScale) / unitsPerRun)),
      wallMs: stat(samples.map((s) => s.wallMs)),
      cpuMs: stat(samples.map((s) => s.cpuMs)),
      ratioWall: stat(r.wall),
      ratioCpu: stat(r.cpu),
      rounds: samples.length,
    };
  }
  return out;
}

export interface ChildOutcome<T> {
  /** The child's last `{ type: 'result' }` message, if it finished. */
  result?: T;
  /** The child's last `{ type: 'progress' }` message (what it reached before a time cap). */
  progress?: Record<string, unknown>;
  timedOut: boolean;
  exitCode: number | null;
  stderr: string;
  wallMs: number;
}

/**
 * Runs `script` (a TypeScript file under bench/) in a fresh node process through tsx and waits for its
 * `{ type: 'result', ... }` message. Past `timeoutMs` the child is killed and the outcome says so, with its
 * last `{ type: 'progress', ... }` message, so a run that would take hours is recorded instead of awaited.
 */
export function runChild<T>(script: string, args: readonly string[], options: { timeoutMs: number; onProgress?: (p: Record<string, unknown>) => void }): Promise<ChildOutcome<T>> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = fork(path.join(benchDir, script), args, {
      cwd: repoDir,
      execArgv: ['--import', 'tsx', '--expose-gc'],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    let result: T | undefined;
    let progress: Record<string, unknown> | undefined;
    let stderr = '';
    let timedOut = false;
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    child.on('message', (message: { type?: string } & Record<string, unknown>) => {
      if (message.type === 'result') result = message as T;
      if (message.type === 'progress') {
        progress = message;
        options.onProgress?.(message);
      }
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ ...(result !== undefined ? { result } : {}), ...(progress ? { progress } : {}), timedOut, exitCode: code, stderr, wallMs: performance.now() - t0 });
    });
  });
}

/** In a child started by runChild: report to the parent (run directly, it prints the result instead). */
export function report(message: { type: 'result' | 'progress' } & Record<string, unknown>): Promise<void> {
  if (!process.send) {
    if (message.type === 'result') console.log(JSON.stringify(message, null, 2));
    return Promise.resolve();
  }
  return new Promise((resolve) => process.send?.(message, () => resolve()));
}

export function machine() {
  const cpus = os.cpus();
  let commit = 'unknown';
  let srcDirty = false;
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoDir, encoding: 'utf8' }).trim();
    srcDirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], { cwd: repoDir, encoding: 'utf8' }).trim() !== '';
  } catch {
    // not a git checkout: leave it unknown
  }
  return {
    nproc: os.availableParallelism(),
    cpu: cpus[0]?.model ?? 'unknown',
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    loadAverage1m: Number(os.loadavg()[0]?.toFixed(2)),
    commit,
    /** True when src/ had uncommitted changes: the figures are for the working tree, not the commit. */
    srcDirty,
  };
}

export function writeResult(name: string, bench: BenchFlags, data: Record<string, unknown>): string {
  mkdirSync(bench.outDir, { recursive: true });
  const file = path.join(bench.outDir, `${name}.json`);
  writeFileSync(file, `${JSON.stringify({ benchmark: name, mode: bench.quick ? 'quick' : 'full', date: new Date().toISOString(), machine: machine(), ...data }, null, 2)}\n`);
  return file;
}

/** A markdown table, so a run's output can be pasted into bench/README.md as it is. */
export function table(headers: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const line = (cells: readonly (string | number)[]) => `| ${cells.join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}

/** A number with at most `digits` decimals and thousands separators. */
export const fmt = (x: number, digits = 2): string =>
  Number.isFinite(x) ? x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: x >= 100 ? 0 : Math.min(digits, 1) }) : String(x);

/** "4.2 (3.9-4.8)": a median with its range over the rounds. */
export const fmtStat = (s: Stat, digits = 2): string => `${fmt(s.median, digits)} (${fmt(s.min, digits)}-${fmt(s.max, digits)})`;
