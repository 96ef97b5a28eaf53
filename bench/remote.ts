/**
 * 9. Remote batches (issue 11): the same durable run on the Postgres server with its batches run in this
 * process (`execution` local, what `scenarios run --workers local` does) and on 1, 2 and 4 `scenarios worker`
 * processes of this machine (`execution: { mode: "remote" }`, what `--workers remote` does), alternating,
 * several rounds, in a database of its own on the DATABASE_URL server (created, then dropped).
 *
 * The skill (fixtures/cpuSkill.ts) does real CPU work, calibrated once here to about 20 ms of CPU per batch of
 * 20 items. 3 scenarios x 2,000 items = 100 batches each, barriers at 30/70 %, 4 batches of a scenario in
 * flight (parallelWorkers 4, as the default config's "complex"), so up to 12 batches wait on the queue and
 * every worker slot can be busy.
 *
 * The orchestrator is this process, through the library (createDurableOrchestration on a
 * PostgresSnapshotStore); the workers are real CLI processes (`node bin/scenarios.js worker --skill … --concurrency C`),
 * started before each run (their start is not timed) and drained after it. Per batch, on the orchestrator's
 * side: enqueue -> result seen (the call to RemoteBatches' `execute`, timed around it: the same span as its
 * `roundTripsMs`, paired with the batch), and the worker's busy time (the skill call there: `t1 - t0` of its
 * outcome); the remote path's overhead is the difference. A latency pair (one scenario, one batch at a time,
 * one worker) gives the overhead without any queueing for a free worker.
 *
 * Run: DATABASE_URL=postgres://… npx tsx --expose-gc bench/remote.ts [--quick] [--profile FILE]
 * (`--profile FILE`: one remote run with 2 workers, the orchestrator's CPU profile of start -> finish written to
 * FILE as a .cpuprofile and summarised; nothing else.) Looks at one shape, written to remote-<variant>.json,
 * never over the recording: `--batch-size N`, `--workers 1x1,2x2` (processes x concurrency), `--rounds N` (no
 * warm-up), `--no-latency`, `--latency-only`, `--orchestrator-poll-ms N` (the extra latency row's poll, default 10).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { ExecuteBatch } from '../src/actors/batchRunner.ts';
import { loadSkillModule } from '../src/actors/loadSkill.ts';
import type { Skill } from '../src/actors/skill.ts';
import { createDurableOrchestration } from '../src/api/durableOrchestration.ts';
import type { OrchestrationConfigInput } from '../src/config/schema.ts';
import { openStore } from '../src/persistence/openStore.ts';
import type { SnapshotStore } from '../src/persistence/SnapshotStore.ts';
import { migrateSystemDatabase } from '../src/remote/migrate.ts';
import { RemoteBatches } from '../src/remote/remoteBatches.ts';
import { benchConfig } from './benchConfig.ts';
import { work } from './fixtures/cpuSkill.ts';
import { alternate, fmt, fmtStat, flags, median, repoDir, stat, table, writeResult, type Contender, type Sample } from './harness.ts';

const bench = flags();
const argv = process.argv.slice(2);
const profileAt = argv.indexOf('--profile');
const profileFile = profileAt >= 0 ? argv[profileAt + 1] : undefined;
const serverUrl = process.env.DATABASE_URL;
if (!serverUrl) {
  console.log('remote: skipped: DATABASE_URL is not set (remote batches need a Postgres server: DATABASE_URL=postgres://… npm run bench -- remote)');
  process.exit(0);
}

const skillModule = fileURLToPath(new URL('./fixtures/cpuSkill.ts', import.meta.url));
/** `--batch-size N` (default 20): items per batch; each item stays ~1 ms of CPU, so a batch is ~N ms. */
const batchSizeAt = argv.indexOf('--batch-size');
const batchSize = batchSizeAt >= 0 ? Number(argv[batchSizeAt + 1]) : 20;
const targetItemMs = 1;
const targetBatchMs = targetItemMs * batchSize;
const itemsPerScenario = bench.quick ? 60 : 2_000;
const batches = itemsPerScenario / batchSize;
const parallelWorkers = 4;
const latencyBatches = bench.quick ? 5 : 50;
/** [processes, --concurrency of each]. */
const shapesAt = argv.indexOf('--workers');
const workerShapes: [number, number][] =
  shapesAt >= 0
    ? (argv[shapesAt + 1] ?? '').split(',').filter(Boolean).map((w) => w.split('x').map(Number) as [number, number])
    : bench.quick
      ? [[1, 1]]
      : [[1, 1], [2, 1], [4, 1], [1, 2], [2, 2]];
/** `--rounds N`: N rounds and no warm-up (a look at one shape, not a recording). */
const roundsAt = argv.indexOf('--rounds');
const rounds = roundsAt >= 0 ? Number(argv[roundsAt + 1]) : bench.quick ? 1 : 3;
/** Before the rounds (full run): one small local and one small remote run, unrecorded (the orchestrator's JIT, the server's caches). */
const warmUp = roundsAt < 0 && !bench.quick;

/** Iterations per item for `targetItemMs` of CPU per item: CPU time (not wall) of a few tries, so the machine's load barely moves it. */
function calibrate(): number {
  const probe = 100_000;
  const perIteration: number[] = [];
  for (let i = 0; i < 7; i++) {
    const c0 = process.cpuUsage();
    work(i, probe);
    const c = process.cpuUsage(c0);
    if (i >= 2) perIteration.push((c.user + c.system) / 1000 / probe);
  }
  return Math.max(1, Math.round(targetItemMs / median(perIteration)));
}
const iterations = calibrate();

function config(remote: boolean, shape: { scenarios: number; batches: number; parallelWorkers: number }): OrchestrationConfigInput {
  const base = benchConfig({ scenarios: shape.scenarios, batches: shape.batches, batchSize });
  return {
    ...base,
    ...(remote ? { execution: { mode: 'remote' as const } } : {}),
    skill: { module: skillModule, params: { iterations } },
    scenarios: base.scenarios.map((s) => ({ ...s, skillParams: { ...s.skillParams, parallelWorkers: shape.parallelWorkers } })),
  };
}
const mainShape = { scenarios: 3, batches, parallelWorkers };
const latencyShape = { scenarios: 1, batches: latencyBatches, parallelWorkers: 1 };

// --- the bench's own database on the server --------------------------------------------------------------
const database = `bench_remote_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
const target = new URL(serverUrl);
target.pathname = `/${database}`;
const databaseUrl = target.toString();

// --- per-batch figures of the remote path ----------------------------------------------------------------
interface BatchTiming {
  /** Enqueue -> result seen by the orchestrator (ms). */
  roundTripMs: number;
  /** The skill call on the worker (ms). */
  busyMs: number;
  /** Enqueue -> skill started on the worker (ms, the worker's epoch clock: same machine). */
  toWorkerMs: number;
  /** Skill finished on the worker -> result seen here (ms). */
  backMs: number;
}
let timings: BatchTiming[] = [];
/** The RemoteBatches the current run opened (read for its own roundTripsMs). */
const opened: { last?: RemoteBatches } = {};
// Read through a call: TypeScript would keep the narrowing of runOnce's `delete` across its awaits.
const lastOpened = (): RemoteBatches | undefined => opened.last;
// createDurableOrchestration opens RemoteBatches itself (src/api/durableOrchestration.ts imports this same
// module); wrapped here so each batch's enqueue -> result is timed around its `execute` and paired with the
// worker's busy time. drive() uses only `execute` and `close` of what open() returns.
const open = RemoteBatches.open.bind(RemoteBatches);
/**
 * A latency contender whose orchestrator asks for results every N ms (RemoteBatches' pollMs; default 10,
 * `--orchestrator-poll-ms N`) instead of POLL_MS (50), to see how much of the overhead that interval is.
 */
const pollAt = argv.indexOf('--orchestrator-poll-ms');
const orchestratorPollMs = pollAt >= 0 ? Number(argv[pollAt + 1]) : bench.quick ? undefined : 10;
/** The pollMs the next RemoteBatches.open uses (undefined: its default). */
let pollOverride: number | undefined;
RemoteBatches.open = async (options: Parameters<typeof RemoteBatches.open>[0]) => {
  const inner = await open(pollOverride === undefined ? options : { ...options, pollMs: pollOverride });
  opened.last = inner;
  const execute: ExecuteBatch = async (call) => {
    const t = performance.now();
    const executed = await inner.execute(call);
    const seen = performance.now();
    timings.push({ roundTripMs: seen - t, busyMs: executed.t1 - executed.t0, toWorkerMs: executed.t0 - t, backMs: seen - executed.t1 });
    return executed;
  };
  return { execute, close: () => inner.close(), roundTripsMs: inner.roundTripsMs } as unknown as RemoteBatches;
};

// --- worker processes ----------------------------------------------------------------------------------------
interface Worker {
  child: ChildProcess;
  stderr: () => string;
  exited: Promise<number | null>;
}
const live = new Set<ChildProcess>();

function startWorker(concurrency: number): Worker {
  const child = spawn(process.execPath, [path.join(repoDir, 'bin/scenarios.js'), 'worker', '--db', databaseUrl, '--skill', skillModule, '--concurrency', String(concurrency)], {
    cwd: os.tmpdir(),
    env: { ...process.env, CI: '1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  live.add(child);
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const exited = once(child, 'exit').then(([code]) => {
    live.delete(child);
    return code as number | null;
  });
  return { child, stderr: () => err, exited };
}

async function ready(worker: Worker, timeoutMs = 120_000): Promise<void> {
  const t0 = performance.now();
  while (!/ ready: /.test(worker.stderr())) {
    if (worker.child.exitCode !== null) throw new Error(`a worker exited (${worker.child.exitCode}) before it was ready: ${worker.stderr()}`);
    if (performance.now() - t0 > timeoutMs) throw new Error(`a worker was not ready after ${timeoutMs} ms: ${worker.stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** CPU ms (user + system) a process has used so far, from /proc (Linux); NaN elsewhere. */
function processCpuMs(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return NaN;
  }
}

/**
 * CPU ms used so far by the server's backends serving this benchmark's database (pg_stat_activity -> /proc,
 * same machine), per backend pid. Sampled through a run, since a backend whose connection closes (the
 * orchestrator's DBOS client closes before the run's outcome settles) is gone by its end.
 */
async function backendCpu(client: pg.Client): Promise<Map<number, number>> {
  const { rows } = await client.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [database]);
  return new Map(rows.map((r) => [r.pid, processCpuMs(r.pid)]).filter(([, ms]) => Number.isFinite(ms)) as [number, number][]);
}

/** Samples backendCpu every 200 ms until stopped; returns the CPU the backends used in between (those alive at the start count from then). */
async function watchServerCpu(): Promise<() => Promise<number>> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  const start = await backendCpu(client);
  const last = new Map(start);
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      for (const [pid, ms] of await backendCpu(client)) last.set(pid, ms);
    }
  })();
  return async () => {
    stopped = true;
    await loop;
    for (const [pid, ms] of await backendCpu(client)) last.set(pid, ms);
    await client.end();
    let total = 0;
    for (const [pid, ms] of last) total += ms - (start.get(pid) ?? 0);
    return total;
  };
}

async function stopWorkers(workers: readonly Worker[]): Promise<void> {
  for (const w of workers) w.child.kill('SIGTERM');
  await Promise.all(
    workers.map(async (w) => {
      const timer = setTimeout(() => w.child.kill('SIGKILL'), 30_000);
      const code = await w.exited;
      clearTimeout(timer);
      if (code !== 0) throw new Error(`a worker exited ${code} on SIGTERM: ${w.stderr().slice(-2000)}`);
    }),
  );
}

// --- one measured run ----------------------------------------------------------------------------------------
interface RunSample extends Sample {
  /** createDurableOrchestration (opening RemoteBatches for a remote run) to start(). */
  setupMs: number;
  batches: number;
  items: number;
  /** Local: the skill calls' own time, summed; remote: the workers' busy time, summed. */
  skillMs: number;
  /** CPU ms the worker processes used during the run (remote). */
  workerCpuMs: number;
  /** CPU ms of this process from start() to the outcome (cpuMs also counts createDurableOrchestration: opening RemoteBatches). */
  runCpuMs: number;
  /** CPU ms the server's backends for this database used from start() to the outcome (journal, snapshots, queue). */
  serverCpuMs: number;
  timings: BatchTiming[];
  /** RemoteBatches.roundTripsMs of the run (its own enqueue -> result figures, unpaired). */
  roundTripsMs: number[];
  /** Spawn -> the last worker's `ready` line (not part of wallMs). */
  workerStartMs: number;
}

let store: SnapshotStore;
let skill: Skill;
/** The same skill, timing its calls, for the local runs (a remote run takes busy times from the workers). */
let timedSkill: Skill;
let localSkillMs = 0;

async function runOnce(remote: boolean, shape: typeof mainShape, workers: readonly Worker[], profile?: string): Promise<RunSample> {
  timings = [];
  delete opened.last;
  localSkillMs = 0;
  const cpuWorkers0 = workers.reduce((n, w) => n + processCpuMs(w.child.pid), 0);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const run = await createDurableOrchestration(config(remote, shape), { store, skill: remote ? skill : timedSkill, skillModule });
  const t1 = performance.now();
  let session: Session | undefined;
  if (profile) {
    session = new Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 500 });
    await session.post('Profiler.start');
  }
  const stopServerCpu = await watchServerCpu();
  const cpuRun0 = process.cpuUsage();
  run.start();
  const outcome = await run.outcome;
  const t2 = performance.now();
  const cpu = process.cpuUsage(cpu0);
  const cpuRun = process.cpuUsage(cpuRun0);
  const serverCpuMs = await stopServerCpu();
  const workerCpuMs = workers.reduce((n, w) => n + processCpuMs(w.child.pid), 0) - cpuWorkers0;
  if (session && profile) {
    const { profile: cpuProfile } = await session.post('Profiler.stop');
    session.disconnect();
    writeFileSync(profile, JSON.stringify(cpuProfile));
    summariseProfile(cpuProfile, t2 - t1);
  }
  if (outcome.kind !== 'finished') throw new Error(`run ended ${outcome.kind}${'error' in outcome ? `: ${outcome.error.message}` : ''}`);
  const scenarios = Object.values(outcome.report.scenarios);
  if (scenarios.some((s) => s.status !== 'complete')) throw new Error(`a scenario did not complete: ${scenarios.map((s) => `${s.status} ${s.failureReason ?? ''}`).join(', ')}`);
  const items = scenarios.reduce((n, s) => n + s.itemsProcessed, 0);
  const expected = shape.scenarios * shape.batches;
  if (remote && timings.length !== expected) throw new Error(`expected ${expected} remote batches, timed ${timings.length}`);
  return {
    wallMs: t2 - t1,
    cpuMs: (cpu.user + cpu.system) / 1000,
    runCpuMs: (cpuRun.user + cpuRun.system) / 1000,
    serverCpuMs,
    setupMs: t1 - t0,
    batches: expected,
    items,
    skillMs: remote ? timings.reduce((n, t) => n + t.busyMs, 0) : localSkillMs,
    workerCpuMs,
    timings,
    roundTripsMs: [...(lastOpened()?.roundTripsMs ?? [])],
    workerStartMs: NaN,
  };
}

async function remoteRun(processes: number, concurrency: number, shape: typeof mainShape, profile?: string, pollMs?: number): Promise<RunSample> {
  pollOverride = pollMs;
  const t0 = performance.now();
  const workers = Array.from({ length: processes }, () => startWorker(concurrency));
  try {
    await Promise.all(workers.map((w) => ready(w)));
    const workerStartMs = performance.now() - t0;
    return { ...(await runOnce(true, shape, workers, profile)), workerStartMs };
  } finally {
    await stopWorkers(workers);
  }
}

// --- the CPU profile's summary -----------------------------------------------------------------------------
interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number; children?: number[] }[];
  samples?: number[];
  timeDeltas?: number[];
  startTime: number;
  endTime: number;
}

/** Where a frame's code lives: a package under node_modules, the project's src/, Node's internals, or V8's pseudo-frames. */
function origin(url: string, functionName: string): string {
  if (!url) return `(${functionName || 'anonymous'})`.replace(/^\(\((.*)\)\)$/, '($1)');
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1] ?? url;
  if (url.startsWith('node:')) return 'node internals';
  const src = /\/(src|bench)\/(.*)$/.exec(url);
  return src ? `${src[1]}/${src[2]?.split('/')[0]}` : url;
}

function summariseProfile(profile: CpuProfile, runMs: number): void {
  const total = (profile.endTime - profile.startTime) / 1000;
  const hits = profile.nodes.reduce((n, node) => n + (node.hitCount ?? 0), 0);
  const msPerHit = total / Math.max(1, hits);
  const byOrigin = new Map<string, number>();
  const byFunction = new Map<string, number>();
  for (const node of profile.nodes) {
    const ms = (node.hitCount ?? 0) * msPerHit;
    const where = origin(node.callFrame.url, node.callFrame.functionName);
    byOrigin.set(where, (byOrigin.get(where) ?? 0) + ms);
    const fn = `${node.callFrame.functionName || '(anonymous)'} ${where}${node.callFrame.url ? `:${node.callFrame.lineNumber + 1}` : ''}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + ms);
  }
  // Inclusive time of the calls the remote path makes (a frame counted once per stack, however deep it recurses).
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const watched = ['listWorkflows', 'enqueue', 'cancelWorkflow', 'query', 'recordBatch', 'save', 'parse', 'safeParse'];
  const inclusive = new Map<string, number>();
  for (const n of profile.nodes) {
    if (!n.hitCount) continue;
    const seen = new Set<string>();
    for (let id: number | undefined = n.id; id !== undefined; id = parent.get(id)) {
      const frame = byId.get(id)?.callFrame;
      if (!frame) break;
      const key = watched.includes(frame.functionName) ? `${frame.functionName} (${origin(frame.url, frame.functionName)})` : undefined;
      if (key && !seen.has(key)) {
        seen.add(key);
        inclusive.set(key, (inclusive.get(key) ?? 0) + n.hitCount * msPerHit);
      }
    }
  }
  const top = (m: Map<string, number>, n: number) => [...m].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, v]) => [k, fmt(v, 0), `${fmt((v / total) * 100, 1)} %`]);
  console.log(`\nCPU profile of the orchestrator, start -> finished (${fmt(runMs, 0)} ms wall, ${fmt(total, 0)} ms profiled, ${hits} samples)\n`);
  console.log(table(['self time by origin', 'ms', 'share'], top(byOrigin, 12)));
  console.log('');
  console.log(table(['self time by function', 'ms', 'share'], top(byFunction, 25)));
  console.log('');
  console.log(table(['inclusive time of', 'ms', 'share'], top(inclusive, 12)));
}

// --- main -------------------------------------------------------------------------------------------------------
const p = (xs: readonly number[], q: number): number => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))] ?? NaN;
};

let cleaned = false;
async function cleanUp(): Promise<void> {
  if (cleaned) return;
  cleaned = true;
  for (const child of live) child.kill('SIGKILL');
  await Promise.all([...live].map((c) => once(c, 'exit').catch(() => undefined)));
  await store?.close().catch(() => undefined);
  await admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
}
process.once('SIGINT', () => void cleanUp().finally(() => process.exit(130)));

const benchStart = performance.now();
await admin(`CREATE DATABASE ${database}`);
try {
  await migrateSystemDatabase(databaseUrl);
  store = await openStore(databaseUrl);
  skill = await loadSkillModule(skillModule);
  timedSkill = {
    ...skill,
    run: (items, ctx) => {
      const t = performance.now();
      try {
        return skill.run(items, ctx);
      } finally {
        localSkillMs += performance.now() - t;
      }
    },
  };
  const load0 = os.loadavg()[0] ?? NaN;
  console.log(`remote: ${mainShape.scenarios} scenarios x ${itemsPerScenario} items, batches of ${batchSize} (${batches} per scenario), parallelWorkers ${parallelWorkers}, barriers 30/70 %; skill ${iterations} iterations per item (calibrated to ~${targetBatchMs} ms CPU per batch); Node ${process.version}, ${os.availableParallelism()} CPUs, load ${fmt(load0, 1)}; database ${database}`);

  if (profileFile) {
    // What one round trip and one committed write to this server cost at the moment (the remote path makes
    // several of each per batch): 50 of each, median and p99.
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      await client.query('CREATE TABLE bench_commit (n int)');
      const select: number[] = [];
      const commit: number[] = [];
      for (let i = 0; i < 50; i++) {
        let t = performance.now();
        await client.query('SELECT 1');
        select.push(performance.now() - t);
        t = performance.now();
        await client.query('INSERT INTO bench_commit VALUES ($1)', [i]);
        commit.push(performance.now() - t);
      }
      console.log(`server round trip: SELECT 1 ${fmt(median(select), 2)} ms median, ${fmt(p(select, 0.99), 2)} ms p99; one-row INSERT (a commit) ${fmt(median(commit), 2)} ms median, ${fmt(p(commit, 0.99), 2)} ms p99 (load ${fmt(os.loadavg()[0] ?? NaN, 1)})`);
    } finally {
      await client.end();
    }
    await remoteRun(1, 1, mainShape); // warm: JIT, the server's caches
    await remoteRun(2, 1, mainShape, profileFile);
    console.log(`\nwrote ${profileFile}`);
  } else {
    // `--latency-only`: the latency contenders alone (with --orchestrator-poll-ms, to compare poll intervals).
    const latencyOnly = argv.includes('--latency-only');
    const contenders: Contender[] = [
      ...(latencyOnly ? [] : [{ name: 'local', run: () => runOnce(false, mainShape, []) }]),
      ...(latencyOnly ? [] : workerShapes.map(([n, c]) => ({ name: `remote ${n} worker${n === 1 ? '' : 's'} x ${c}`, run: () => remoteRun(n, c, mainShape) }))),
      ...(orchestratorPollMs === undefined || argv.includes('--no-latency') ? [] : [{ name: `latency: remote 1 worker x 1, orchestrator poll ${orchestratorPollMs} ms`, run: () => remoteRun(1, 1, latencyShape, undefined, orchestratorPollMs) }]),
      // The latency pair only in a full run: --quick stays a few seconds (one worker start, two small runs).
      ...(bench.quick || argv.includes('--no-latency')
        ? []
        : [
            { name: 'latency: local', run: () => runOnce(false, latencyShape, []) },
            { name: 'latency: remote 1 worker x 1', run: () => remoteRun(1, 1, latencyShape) },
          ]),
    ];
    if (warmUp && !latencyOnly) {
      const small = { scenarios: 3, batches: 6, parallelWorkers };
      await runOnce(false, small, []);
      await remoteRun(1, 1, small);
    }
    const loads: number[] = [];
    const alt = await alternate(contenders, { rounds, warmups: 0, baseline: 'local', onRound: (r) => {
      loads.push(os.loadavg()[0] ?? NaN);
      console.log(`round ${r + 1}/${rounds} done (load ${fmt(os.loadavg()[0] ?? NaN, 1)})`);
    } });
    const local = (alt.samples.local ?? []) as RunSample[];
    const latencyLocal = (alt.samples['latency: local'] ?? []) as RunSample[];
    const results: Record<string, unknown>[] = [];
    const rows: (string | number)[][] = [];
    const overheadRows: (string | number)[][] = [];
    for (const c of contenders) {
      const samples = (alt.samples[c.name] ?? []) as RunSample[];
      const baseline = c.name.startsWith('latency') ? latencyLocal : local;
      const wallMs = stat(samples.map((s) => s.wallMs));
      const itemsPerSecond = stat(samples.map((s) => (s.items / s.wallMs) * 1000));
      const speedup = stat(samples.map((s, i) => (baseline[i]?.wallMs ?? NaN) / s.wallMs));
      const cpuPerBatch = stat(samples.map((s) => s.cpuMs / s.batches));
      const runCpuPerBatch = stat(samples.map((s) => s.runCpuMs / s.batches));
      const serverCpuPerBatch = stat(samples.map((s) => s.serverCpuMs / s.batches));
      // All CPU the run took on this machine (this process from start(), workers, the server's backends) over local's in the same round.
      const allCpu = (s: RunSample) => s.runCpuMs + (Number.isFinite(s.workerCpuMs) ? s.workerCpuMs : 0) + s.serverCpuMs;
      const cpuVsLocal = stat(samples.map((s, i) => allCpu(s) / (baseline[i] ? allCpu(baseline[i]) : NaN)));
      const workerCpuPerBatch = stat(samples.map((s) => s.workerCpuMs / s.batches));
      const skillPerBatch = stat(samples.map((s) => s.skillMs / s.batches));
      const slots = /(\d+) workers? x (\d+)/.exec(c.name);
      // Share of the workers' time in the skill: their summed busy time over wall time x processes (one thread each).
      const busyShare = slots ? stat(samples.map((s) => s.skillMs / (s.wallMs * Number(slots[1])))) : undefined;
      const all = samples.flatMap((s) => s.timings);
      const overhead = all.map((t) => t.roundTripMs - t.busyMs);
      const figures = all.length
        ? {
            overheadMs: { median: median(overhead), p99: p(overhead, 0.99) },
            toWorkerMs: { median: median(all.map((t) => t.toWorkerMs)), p99: p(all.map((t) => t.toWorkerMs), 0.99) },
            backMs: { median: median(all.map((t) => t.backMs)), p99: p(all.map((t) => t.backMs), 0.99) },
            roundTripMs: { median: median(all.map((t) => t.roundTripMs)), p99: p(all.map((t) => t.roundTripMs), 0.99) },
            remoteBatchesRoundTripMs: { median: median(samples.flatMap((s) => s.roundTripsMs)), p99: p(samples.flatMap((s) => s.roundTripsMs), 0.99) },
            busyMs: { median: median(all.map((t) => t.busyMs)), p99: p(all.map((t) => t.busyMs), 0.99) },
          }
        : undefined;
      results.push({
        contender: c.name,
        rounds: samples.length,
        wallMs,
        itemsPerSecond,
        speedupVsLocal: speedup,
        orchestratorCpuMsPerBatch: cpuPerBatch,
        orchestratorRunCpuMsPerBatch: runCpuPerBatch,
        serverCpuMsPerBatch: serverCpuPerBatch,
        allCpuVsLocal: cpuVsLocal,
        workerCpuMsPerBatch: workerCpuPerBatch,
        skillMsPerBatch: skillPerBatch,
        ...(busyShare ? { workerBusyShare: busyShare } : {}),
        setupMs: stat(samples.map((s) => s.setupMs)),
        ...(slots ? { workerStartMs: stat(samples.map((s) => s.workerStartMs)) } : {}),
        ...(figures ? { perBatch: figures } : {}),
        samples: samples.map(({ timings: t, roundTripsMs: r, ...rest }) => ({ ...rest, batchTimings: t.map((x) => [x.roundTripMs, x.busyMs, x.toWorkerMs, x.backMs].map((v) => Number(v.toFixed(2)))) , roundTripsMs: r.map((v) => Number(v.toFixed(2))) })),
      });
      rows.push([
        c.name,
        fmtStat({ median: wallMs.median / 1000, min: wallMs.min / 1000, max: wallMs.max / 1000 }, 2),
        fmt(itemsPerSecond.median, 0),
        `${fmt(speedup.median, 2)}x (${fmt(speedup.min, 2)}-${fmt(speedup.max, 2)})`,
        fmt(runCpuPerBatch.median, 1),
        slots ? fmt(workerCpuPerBatch.median, 1) : '-',
        fmt(serverCpuPerBatch.median, 1),
        `${fmt(cpuVsLocal.median, 2)}x`,
        fmt(skillPerBatch.median, 1),
        busyShare ? `${fmt(busyShare.median * 100, 0)} %` : '-',
        slots ? fmt(median(samples.map((s) => s.workerStartMs)) / 1000, 1) : '-',
      ]);
      if (figures) {
        overheadRows.push([
          c.name,
          `${fmt(figures.overheadMs.median, 1)} / ${fmt(figures.overheadMs.p99, 1)}`,
          `${fmt(figures.toWorkerMs.median, 1)} / ${fmt(figures.toWorkerMs.p99, 1)}`,
          `${fmt(figures.backMs.median, 1)} / ${fmt(figures.backMs.p99, 1)}`,
          `${fmt(figures.busyMs.median, 1)} / ${fmt(figures.busyMs.p99, 1)}`,
          `${fmt(figures.roundTripMs.median, 1)} (${fmt(figures.remoteBatchesRoundTripMs.median, 1)})`,
        ]);
      }
    }
    console.log(`\nmedian (range) of ${rounds} alternating round${rounds === 1 ? '' : 's'}${warmUp ? ' after a small unrecorded local and remote run' : ''}; speed-up = median of per-round local wall / this wall; load average during the rounds ${loads.map((l) => fmt(l, 1)).join(', ')}\n`);
    console.log(table(['contender', 'wall s', 'items/s', 'speed-up vs local', 'orchestrator CPU ms/batch', 'worker CPU ms/batch', 'server CPU ms/batch', 'all CPU vs local', 'skill ms/batch', 'workers busy', 'workers start s (untimed)'], rows));
    console.log(`\nper batch, all rounds pooled (ms, median / p99): overhead = enqueue -> result seen minus the worker's busy time; to worker = enqueue -> skill started; back = skill finished -> result seen\n`);
    console.log(table(['contender', 'overhead', 'to worker', 'back', 'busy', 'round trip (RemoteBatches.roundTripsMs)'], overheadRows));
    // Variants (--batch-size, --orchestrator-poll-ms, --workers, --rounds) are looks, not the recording: named apart.
    const variant = [batchSizeAt >= 0 ? `batch${batchSize}` : '', pollAt >= 0 ? `poll${orchestratorPollMs}` : '', shapesAt >= 0 || roundsAt >= 0 || argv.includes('--no-latency') || argv.includes('--latency-only') ? 'partial' : ''].filter(Boolean).join('-');
    const file = writeResult(variant ? `remote-${variant}` : 'remote', bench, {
      parameters: { scenarios: mainShape.scenarios, itemsPerScenario, batchSize, batchesPerScenario: batches, parallelWorkers, barriers: [30, 70], iterationsPerItem: iterations, targetBatchMs, latencyBatches, rounds, warmUp, workerShapes, orchestratorPollMs: orchestratorPollMs ?? 'POLL_MS (50)', database: 'bench_remote_<random> on DATABASE_URL' },
      loadAverages: loads,
      results,
    });
    console.log(`\nwrote ${file} (${fmt((performance.now() - benchStart) / 1000, 1)} s in all)`);
  }
} finally {
  await cleanUp();
}
