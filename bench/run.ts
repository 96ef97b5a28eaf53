/**
 * `npm run bench [-- --quick] [-- <name>...] [-- --out DIR]`: runs the benchmarks one after another, each in
 * its own node process (so one's heap and JIT state never colour the next), and writes results/<name>.json.
 * It fails only when a benchmark crashes or overruns its cap, never on a figure: the machines are shared.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { benchDir, flags, fmt, repoDir } from './harness.ts';

const benchmarks = [
  { name: 'perBatch', file: 'perBatch.ts', what: 'per-batch cost against a bare loop and LangGraph.js, warm and in fresh processes' },
  { name: 'overhead', file: 'overhead.ts', what: 'overhead with a 1 ms and a 10 ms skill on memory, PGlite and the Postgres server' },
  { name: 'scale', file: 'scale.ts', what: 'N = 3 ... 10,000 scenarios: wall, CPU per batch, peak RSS, barrier latency, snapshot size' },
  { name: 'resume', file: 'resume.ts', what: 'resuming 1,000 scenarios stopped halfway, against a fresh run of the rest' },
  { name: 'startup', file: 'startup.ts', what: 'CLI start-up against node -e 0' },
  { name: 'parallel', file: 'parallel.ts', what: 'parallelWorkers 1/2/4/8 with a 50 ms skill: busy-time throughput and wall time; maxConcurrency across scenarios' },
  // Writes and reads a 2 GB file: minutes, so only in a full run (or by name).
  { name: 'isolation', file: 'isolation.ts', what: 'isolation "worker" against the orchestrator\'s thread: a worker\'s start, per-batch cost, each scenario\'s memory figure' },
  // Needs DATABASE_URL (skips with a note without it); worker processes on the Postgres server.
  { name: 'remote', file: 'remote.ts', what: 'remote batches (issue 11): 1, 2 and 4 scenarios worker processes against a local run with a ~20 ms CPU-bound skill; the remote path\'s overhead per batch' },
  { name: 'datasetMemory', file: 'datasetMemory.ts', what: 'peak RSS and heap of a run over a 2 GB JSONL file against one 10x smaller (batches of 100)', fullOnly: true },
];

const argv = process.argv.slice(2);
const bench = flags(argv);
const names = argv.filter((a, i) => !a.startsWith('--') && argv[i - 1] !== '--out');
const unknown = names.filter((n) => !benchmarks.some((b) => b.name === n));
if (unknown.length) {
  console.error(`unknown benchmark ${unknown.join(', ')}; choose from ${benchmarks.map((b) => b.name).join(', ')}`);
  process.exit(2);
}
const chosen = benchmarks.filter((b) => (names.length === 0 ? !(bench.quick && 'fullOnly' in b) : names.includes(b.name)));
// Generous: a cap only stops a benchmark that hangs (scale caps its own points at 60 s each).
const capMs = bench.quick ? 180_000 : 1_800_000;

/**
 * A full run measures one benchmark at a time. `--quick` only keeps them working (its figures are not recorded,
 * and CI runs it), so it runs two at a time, about halving its wall time on two cores; each one's output is
 * held back and printed whole when it ends, and its CPU is only counted in the total.
 */
const atOnce = bench.quick ? 2 : 1;

function runOne(file: string, heading: string): Promise<{ code: number | null; timedOut: boolean; ms: number }> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const args = ['--import', 'tsx', '--expose-gc', path.join(benchDir, file), ...(bench.quick ? ['--quick'] : []), '--out', bench.outDir];
    if (atOnce === 1) console.log(heading);
    const child = spawn(process.execPath, args, { cwd: repoDir, stdio: atOnce === 1 ? 'inherit' : ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, capMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (atOnce > 1) console.log(`${heading}${output}`);
      resolve({ code, timedOut, ms: performance.now() - t0 });
    });
  });
}

/** CPU seconds of finished child processes (Linux /proc, 100 ticks a second); undefined elsewhere. */
function childrenCpuSeconds(): number | undefined {
  try {
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]?.split(' ') ?? [];
    // After the command name: state is field 3, so cutime (16) and cstime (17) are at 13 and 14 here.
    return (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return undefined;
  }
}

const t0 = performance.now();
const outcomes: { name: string; ok: boolean; note: string }[] = [];
const queue = [...chosen];
async function worker(): Promise<void> {
  for (let b = queue.shift(); b; b = queue.shift()) {
    const cpuBefore = childrenCpuSeconds();
    const r = await runOne(b.file, `\n=== ${b.name}: ${b.what}${bench.quick ? ' (--quick)' : ''}\n`);
    const cpuAfter = childrenCpuSeconds();
    const cpu = atOnce > 1 || cpuBefore === undefined || cpuAfter === undefined ? '' : `, ${fmt(cpuAfter - cpuBefore, 1)} s CPU`;
    const ok = r.code === 0 && !r.timedOut;
    outcomes.push({ name: b.name, ok, note: `${ok ? 'ok' : r.timedOut ? `killed after ${capMs / 1000} s` : `crashed (exit ${r.code})`} in ${fmt(r.ms / 1000, 1)} s wall${cpu}` });
  }
}
await Promise.all(Array.from({ length: atOnce }, () => worker()));
outcomes.sort((x, y) => chosen.findIndex((b) => b.name === x.name) - chosen.findIndex((b) => b.name === y.name));
const cpu = childrenCpuSeconds();
console.log(`\n=== summary (${bench.quick ? 'quick' : 'full'}, results in ${bench.outDir}): ${fmt((performance.now() - t0) / 1000, 1)} s wall${cpu === undefined ? '' : `, ${fmt(cpu, 1)} s CPU`} in all, load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}\n`);
for (const o of outcomes) console.log(`  ${o.ok ? 'ok    ' : 'FAILED'} ${o.name}: ${o.note}`);
if (outcomes.some((o) => !o.ok)) process.exitCode = 1;
