import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { cliPath, repoRoot } from './cliProcess.ts';
import { clusterUnavailable, startThrowawayCluster, type ThrowawayCluster } from './postgresCluster.ts';
import { serverUrl } from './postgresServer.ts';

/**
 * What the multi-process tests of remote batches (test/remote/*.cli.test.ts, issue 11) share: a database of
 * their own per test on a real Postgres server, `scenarios worker` processes, each in a network namespace of
 * its own when it can be made (root and `ip netns`), reaching the server over a veth pair through a small
 * TCP proxy on the host side, and a skill module that records every execution in a file.
 *
 * The server is DATABASE_URL's when it is set (CI), else a throw-away cluster started for the test file
 * (postgresCluster.ts), so the tests never skip silently. Nothing here reconfigures a server: the proxy is
 * how a namespace reaches one that listens on 127.0.0.1 only.
 */

const run = promisify(execFile);

export interface RemoteServer {
  /** A URL of the server (any database on it), for CREATE / DROP DATABASE. */
  readonly adminUrl: string;
  /** Where it listens, for the proxies. */
  readonly host: string;
  readonly port: number;
  /** "DATABASE_URL" or "a throw-away cluster". */
  readonly kind: string;
}

/**
 * The server of this file's tests, ready in `beforeAll`: DATABASE_URL's, or a throw-away cluster when it is not
 * set. `skip` (for `describe.skipIf`) is true, with the reason printed, when neither is possible and CI is not
 * set; with CI set that case throws instead, so a CI machine without a server fails rather than tests less.
 */
export function useRemoteServer(what: string): { skip: boolean; current: () => RemoteServer } {
  let cluster: ThrowawayCluster | undefined;
  let server: RemoteServer | undefined;
  const skip = !serverUrl && clusterUnavailable !== undefined;
  if (skip) {
    const why = `${what}: no Postgres server (DATABASE_URL is not set) and no throw-away cluster can be started: ${clusterUnavailable}`;
    if (process.env.CI) throw new Error(why);
    console.warn(`${why}; skipped`);
  }
  beforeAll(async () => {
    if (skip) return;
    if (serverUrl) {
      const url = new URL(serverUrl);
      server = { adminUrl: serverUrl, host: url.hostname || '127.0.0.1', port: Number(url.port || 5432), kind: 'DATABASE_URL' };
    } else {
      cluster = await startThrowawayCluster();
      server = { adminUrl: cluster.url, host: '127.0.0.1', port: cluster.port, kind: 'a throw-away cluster' };
    }
  }, 120_000);
  afterAll(async () => {
    await cluster?.destroy();
  });
  return {
    skip,
    current: () => {
      if (!server) throw new Error('the server is not ready (used outside a test?)');
      return server;
    },
  };
}

/**
 * Why the workers cannot run in network namespaces here, or undefined when they can (checked once per
 * process). SCENARIOS_TEST_NO_NETNS=1 runs them as plain processes anyway (to test that path as root).
 */
let netnsReason: Promise<string | undefined> | undefined;
export function netnsUnavailable(): Promise<string | undefined> {
  netnsReason ??= (async () => {
    if (process.env.SCENARIOS_TEST_NO_NETNS) return 'SCENARIOS_TEST_NO_NETNS is set';
    if (process.getuid?.() !== 0) return 'not running as root';
    // What a worker's network needs, tried once: a namespace and a veth pair into it.
    const probe = `scn-e2e-probe-${process.pid}`;
    const veth = `scnp${process.pid}`;
    try {
      await ip('netns', 'add', probe);
      await ip('link', 'add', `${veth}h`, 'type', 'veth', 'peer', 'name', `${veth}n`);
      await ip('link', 'set', `${veth}n`, 'netns', probe);
      return undefined;
    } catch (error) {
      return `\`ip netns\` or a veth pair cannot be made here: ${(error as Error).message.trim()}`;
    } finally {
      await ip('netns', 'del', probe).catch(() => undefined);
      await ip('link', 'del', `${veth}h`).catch(() => undefined);
    }
  })();
  return netnsReason;
}

/** A network namespace joined to the host by a veth pair, with a TCP proxy on the host side to the server. */
export interface WorkerNetwork {
  readonly namespace: string;
  /** postgres://… of `database` as seen from inside the namespace: the proxy on the host side of the veth. */
  urlFor(database: string): string;
  /** Connections the proxy has forwarded (a worker inside reached the server through it). */
  readonly connections: number;
  dispose(): Promise<void>;
}

async function ip(...args: string[]): Promise<string> {
  const { stdout } = await run('ip', args, { timeout: 15_000 });
  return stdout;
}

/**
 * Makes namespace `scn-e2e-<n>` with a veth pair 10.200.<n>.1 (host) / 10.200.<n>.2 (namespace), n free on
 * this host (its name is the claim: `ip netns add` of a name that exists fails, so two test files never share
 * one), and a proxy on 10.200.<n>.1 forwarding to the server. Checks that from inside, the server is reached
 * through the proxy and not directly.
 */
export async function openWorkerNetwork(server: RemoteServer): Promise<WorkerNetwork> {
  for (let tries = 0; ; tries++) {
    const used = await ip('-o', '-4', 'addr', 'show');
    const n = 1 + Math.floor(Math.random() * 254);
    if (used.includes(` 10.200.${n}.`)) continue;
    const namespace = `scn-e2e-${n}`;
    try {
      await ip('netns', 'add', namespace);
    } catch (error) {
      if (tries < 20) continue;
      throw error;
    }
    const hostSide = `scnv${n}h`;
    const inside = `scnv${n}n`;
    const hostAddress = `10.200.${n}.1`;
    let proxy: { server: Server; sockets: Set<Socket>; count: () => number } | undefined;
    const dispose = async () => {
      if (proxy) {
        for (const socket of proxy.sockets) socket.destroy();
        await new Promise<void>((resolve) => proxy?.server.close(() => resolve()));
      }
      // Deleting the namespace deletes its end of the pair, and with it the host's end.
      await ip('netns', 'del', namespace).catch(() => undefined);
      await ip('link', 'del', hostSide).catch(() => undefined);
    };
    try {
      await ip('link', 'add', hostSide, 'type', 'veth', 'peer', 'name', inside);
      await ip('link', 'set', inside, 'netns', namespace);
      await ip('addr', 'add', `${hostAddress}/24`, 'dev', hostSide);
      await ip('link', 'set', hostSide, 'up');
      await ip('-n', namespace, 'addr', 'add', `10.200.${n}.2/24`, 'dev', inside);
      await ip('-n', namespace, 'link', 'set', inside, 'up');
      await ip('-n', namespace, 'link', 'set', 'lo', 'up');
      proxy = await startProxy(hostAddress, server.host, server.port);
      const port = (proxy.server.address() as { port: number }).port;
      // The isolation is real: the server's own address does not answer inside, the proxy does.
      const reaches = (host: string, p: number) =>
        run('ip', ['netns', 'exec', namespace, 'timeout', '5', 'bash', '-c', `exec 3<>/dev/tcp/${host}/${p}`]).then(
          () => true,
          () => false,
        );
      if (await reaches(server.host, server.port)) throw new Error(`${server.host}:${server.port} answers inside ${namespace}: not isolated`);
      if (!(await reaches(hostAddress, port))) throw new Error(`the proxy ${hostAddress}:${port} does not answer inside ${namespace}`);
      const counted = proxy;
      const before = counted.count();
      return {
        namespace,
        urlFor: (database) => `postgres://postgres@${hostAddress}:${port}/${database}`,
        get connections() {
          return counted.count() - before;
        },
        dispose,
      };
    } catch (error) {
      await dispose();
      throw error;
    }
  }
}

/** Forwards every connection to host:port; closing either side closes both, so a killed worker's sessions end at once. */
async function startProxy(listenOn: string, host: string, port: number): Promise<{ server: Server; sockets: Set<Socket>; count: () => number }> {
  const sockets = new Set<Socket>();
  let count = 0;
  const server = createServer((client) => {
    count += 1;
    const upstream = connect(port, host);
    sockets.add(client).add(upstream);
    const close = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    for (const socket of [client, upstream]) {
      socket.on('error', close);
      socket.on('close', close);
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  server.listen(0, listenOn);
  await once(server, 'listening');
  return { server, sockets, count: () => count };
}

export interface ScenariosProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  stdout(): string;
  stderr(): string;
  /** Resolves when stderr has matched `pattern` `count` times; rejects on timeout or exit first. */
  waitFor(pattern: RegExp, count?: number, timeoutMs?: number): Promise<void>;
  readonly exited: Promise<number | null>;
  /** SIGKILL, and waits for the exit. */
  kill(): Promise<void>;
}

export interface RemoteWorker {
  readonly process: ScenariosProcess;
  /** `host/pid-xxxx` from its ready line: what journal rows name. */
  readonly name: string;
  /** The application version it takes batches of, from its ready line. */
  readonly version: string;
  /** "namespace scn-e2e-<n> (postgres://postgres@10.200.<n>.1:<proxy port>)", or "host" for a plain process. */
  readonly where: string;
  readonly network: WorkerNetwork | undefined;
}

export interface JournalRow {
  scenario: string;
  batch_index: number;
  attempt: number;
  items: number;
  worker: string | null;
}

export interface WorkflowRow {
  workflow_uuid: string;
  status: string;
  executor_id: string | null;
  application_version: string | null;
}

/**
 * One test's world: a database of its own on the server, a temp folder (its working directory, skill and
 * config files, the executions log), and every process, namespace and proxy it started. `dispose()` (in
 * `afterEach`) kills the processes, removes the namespaces and proxies, drops the database and the folder,
 * whatever state the test left.
 */
export class RemoteTestbed {
  readonly dir: string;
  readonly database: string;
  /** The database as the orchestrator (on this host) reaches it. */
  readonly url: string;
  /** Every skill execution the probe skill made, one JSON line each (REMOTE_PROBE_LOG). */
  readonly executionsLog: string;
  readonly #server: RemoteServer;
  readonly #processes = new Set<ScenariosProcess>();
  readonly #networks: WorkerNetwork[] = [];
  readonly #useNetns: boolean;
  readonly #pool: pg.Pool;
  /** If the test process ends without dispose() (a crash): no process or namespace outlives it. */
  readonly #onExit = () => {
    for (const p of this.#processes) p.child.kill('SIGKILL');
    for (const n of this.#networks) spawnSync('ip', ['netns', 'del', n.namespace], { stdio: 'ignore', timeout: 10_000 });
    rmSync(this.dir, { recursive: true, force: true });
  };

  private constructor(server: RemoteServer, database: string, dir: string, useNetns: boolean) {
    this.#server = server;
    this.database = database;
    this.dir = dir;
    this.#useNetns = useNetns;
    const url = new URL(server.adminUrl);
    url.pathname = `/${database}`;
    this.url = url.toString();
    this.executionsLog = join(dir, 'executions.jsonl');
    this.#pool = new pg.Pool({ connectionString: this.url, max: 2 });
    process.once('exit', this.#onExit);
  }

  /** Creates the database and the folder. Workers run in namespaces when they can (netnsUnavailable); the reason is printed when not. */
  static async create(server: RemoteServer, what: string): Promise<RemoteTestbed> {
    const reason = await netnsUnavailable();
    if (reason) console.warn(`${what}: workers run as plain processes, not in network namespaces (${reason})`);
    const database = `ci_remote_${randomBytes(6).toString('hex')}`;
    await adminQuery(server, `CREATE DATABASE ${database}`);
    const dir = mkdtempSync(join(tmpdir(), 'scenarios-remote-'));
    // Relative fixture paths mean the same here as in the repository (as cliProcess.ts's workspaces do).
    symlinkSync(join(repoRoot, 'test'), join(dir, 'test'), 'dir');
    return new RemoteTestbed(server, database, dir, reason === undefined);
  }

  get usesNetns(): boolean {
    return this.#useNetns;
  }

  /** Starts `scenarios ...args` on this host (the orchestrator), in the test's folder. */
  startCli(args: string[], env: NodeJS.ProcessEnv = {}): ScenariosProcess {
    return this.#spawn(process.execPath, [cliPath, ...args], env);
  }

  /** Runs `scenarios ...args` on this host to its end. */
  async runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const started = this.startCli(args, env);
    const code = await started.exited;
    return { code, stdout: started.stdout(), stderr: started.stderr() };
  }

  /**
   * Starts `scenarios worker --verbose` (in a namespace of its own when it can) on this test's database and
   * resolves once it is ready, with the name and version its ready line gives.
   */
  async startWorker(options: { skill?: string; concurrency: number; env?: NodeJS.ProcessEnv }): Promise<RemoteWorker> {
    const launched = await this.launchWorker(options);
    return launched.ready;
  }

  /** As startWorker, but returns at once: `ready` resolves with the worker once it has said so (start several in parallel). */
  async launchWorker(options: { skill?: string; concurrency: number; env?: NodeJS.ProcessEnv }): Promise<{ process: ScenariosProcess; ready: Promise<RemoteWorker> }> {
    const network = this.#useNetns ? await openWorkerNetwork(this.#server) : undefined;
    if (network) this.#networks.push(network);
    const db = network ? network.urlFor(this.database) : this.url;
    const args = [cliPath, 'worker', '--db', db, '--concurrency', String(options.concurrency), '--verbose', ...(options.skill ? ['--skill', options.skill] : [])];
    const env = { REMOTE_PROBE_LOG: this.executionsLog, ...options.env };
    const started = network ? this.#spawn('ip', ['netns', 'exec', network.namespace, process.execPath, ...args], env) : this.#spawn(process.execPath, args, env);
    const ready = started.waitFor(/worker \S+ ready: /, 1, 90_000).then(() => {
      const match = /worker (\S+) ready: .*\(version (\S+)\)/.exec(started.stderr());
      if (!match?.[1] || !match[2]) throw new Error(`unreadable ready line:\n${started.stderr()}`);
      const where = network ? `namespace ${network.namespace} (${db.replace(/\/[^/]*$/, '')})` : 'host';
      return { process: started, name: match[1], version: match[2], where, network };
    });
    // A worker the test never waited for (it failed first) must not add an unhandled rejection to the failure.
    ready.catch(() => undefined);
    return { process: started, ready };
  }

  #spawn(file: string, args: string[], extraEnv: NodeJS.ProcessEnv): ScenariosProcess {
    const env: NodeJS.ProcessEnv = { ...process.env, CI: '1', NO_COLOR: '1', ...extraEnv };
    // A child must use the database it is given, never the suite's.
    if (!('DATABASE_URL' in extraEnv)) delete env.DATABASE_URL;
    const child = spawn(file, args, { cwd: this.dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const waiters = new Set<() => void>();
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
      for (const w of waiters) w();
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const started: ScenariosProcess = {
      child,
      pid: child.pid ?? -1,
      stdout: () => out,
      stderr: () => err,
      exited,
      async kill() {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        await exited;
      },
      waitFor(pattern, count = 1, timeoutMs = 60_000) {
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
            reject(new Error(`timed out after ${timeoutMs} ms waiting for ${String(pattern)} x${count}; stderr:\n${err}`));
          }, timeoutMs);
          waiters.add(check);
          void exited.then((code) => {
            if (!waiters.has(check)) return;
            waiters.delete(check);
            clearTimeout(timer);
            reject(new Error(`exited (${code}) before ${String(pattern)} x${count}; stderr:\n${err}`));
          });
          check();
        });
      },
    };
    this.#processes.add(started);
    return started;
  }

  /** Writes a file into the test's folder and returns its path. */
  write(name: string, content: string): string {
    const path = join(this.dir, name);
    writeFileSync(path, content);
    return path;
  }

  async query<T extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<T[]> {
    return (await this.#pool.query<T>(sql, params)).rows;
  }

  /** The run's batch journal (the store's batch_results), one row per recorded batch, with the worker each names; [] before the store made it. */
  async journal(orchestrationId: string): Promise<JournalRow[]> {
    if (!(await this.#exists('batch_results'))) return [];
    return this.query<JournalRow>(
      "SELECT scenario, batch_index, attempt, items, result->>'worker' AS worker FROM batch_results WHERE orchestration_id = $1 ORDER BY scenario, batch_index",
      [orchestrationId],
    );
  }

  /** DBOS's record of the run's batch workflows (schema dbos), or [] before DBOS made its tables. */
  async workflows(orchestrationId: string): Promise<WorkflowRow[]> {
    if (!(await this.#exists('dbos.workflow_status'))) return [];
    return this.query<WorkflowRow>('SELECT workflow_uuid, status, executor_id, application_version FROM dbos.workflow_status WHERE workflow_uuid LIKE $1 ORDER BY workflow_uuid', [`${orchestrationId}/%`]);
  }

  async #exists(table: string): Promise<boolean> {
    const rows = await this.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [table]);
    return rows[0]?.t != null;
  }

  /** Every execution the probe skill recorded so far. */
  executions(): Execution[] {
    if (!existsSync(this.executionsLog)) return [];
    return readFileSync(this.executionsLog, 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Execution);
  }

  /** Polls `probe` every 100 ms until it returns true. */
  async until(what: string, probe: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await probe())) {
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Kills every process still running, removes namespaces and proxies, drops the database, removes the folder. Safe to call twice. */
  async dispose(): Promise<void> {
    process.removeListener('exit', this.#onExit);
    await Promise.all([...this.#processes].map((p) => p.kill()));
    this.#processes.clear();
    await Promise.all(this.#networks.splice(0).map((n) => n.dispose()));
    await this.#pool.end().catch(() => undefined);
    await adminQuery(this.#server, `DROP DATABASE IF EXISTS ${this.database} WITH (FORCE)`).catch((error: unknown) => console.warn(`could not drop ${this.database}: ${(error as Error).message}`));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

async function adminQuery(server: RemoteServer, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: server.adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** One line of the executions log: a skill call starting or returning, in which process, for which batch attempt. */
export interface Execution {
  event: 'start' | 'end';
  /** `<idempotency key>#<attempt>`: `<orchestration>/<scenario>/batch/<index>#<attempt>`. */
  key: string;
  pid: number;
}

/**
 * A skill module (plain ESM, no imports from the repository, so it loads from any folder) that sleeps
 * `params.latencyMs` (default 300) per batch, honouring its abort signal, and appends a start and an end line
 * per call to $REMOTE_PROBE_LOG. `variant` goes into a comment: another variant is the same skill (name and
 * version) with different module content, so another remote skill version.
 */
export function probeSkillSource(variant = 'a'): string {
  return `// remote probe skill, variant ${variant}
import { appendFileSync } from 'node:fs';

const record = (event, key) => {
  const file = process.env.REMOTE_PROBE_LOG;
  if (file) appendFileSync(file, JSON.stringify({ event, key, pid: process.pid }) + '\\n');
};

const sleep = (ms, signal) =>
  new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason);
    }, { once: true });
  });

export default {
  name: 'remote-probe',
  version: '1.0.0',
  async run(items, ctx) {
    const key = ctx.idempotencyKey + '#' + ctx.attempt;
    record('start', key);
    await sleep(typeof ctx.params.latencyMs === 'number' ? ctx.params.latencyMs : 300, ctx.signal);
    record('end', key);
    return { qualityScore: 0.8 + ctx.random() * 0.2, processed: items.length };
  },
};
`;
}

/** A config of `scenarios` (name → inputSize) with batches of 10, `parallelWorkers` each, the probe skill at `skillFile`. */
export function probeConfig(skillFile: string, scenarios: Record<string, number>, options: { latencyMs: number; parallelWorkers: number }): string {
  return JSON.stringify(
    {
      seed: 7,
      skill: { module: skillFile, params: { latencyMs: options.latencyMs } },
      scenarios: Object.entries(scenarios).map(([name, inputSize]) => ({
        name,
        inputSize,
        timeBudgetSeconds: 300,
        memoryLimitMb: 1024,
        errorTolerance: 0,
        skillParams: { batchSize: 10, parallelWorkers: options.parallelWorkers },
        expectedQuality: 'basic',
        qualityMetrics: ['accuracy'],
      })),
    },
    null,
    2,
  );
}

/** How many times each batch attempt started, by key. */
export function startsByKey(executions: Execution[]): Map<string, Execution[]> {
  const byKey = new Map<string, Execution[]>();
  for (const e of executions) if (e.event === 'start') byKey.set(e.key, [...(byKey.get(e.key) ?? []), e]);
  return byKey;
}

/** What seededFigures reads of a report (`scenarios run --json`). */
export interface SeededReport {
  scenarios: Record<string, { status: string; itemsProcessed: number; itemsFailed: number; batchCount: number; qualityScores: Record<string, number> }>;
  barriers: { milestone: number; releasedBy: string; arrived: string[]; late: string[] }[];
}

/**
 * The figures a seed determines. `latency` (and so `overall`, their mean) is measured time, busy ms per item
 * against the scenario's target (docs/metrics.md), not a draw of the seed: compared only when both runs
 * measured the same latency.
 */
export function seededFigures(report: SeededReport, compareOverall: boolean) {
  return {
    scenarios: Object.fromEntries(
      Object.entries(report.scenarios).map(([name, s]) => {
        const quality = Object.fromEntries(Object.entries(s.qualityScores).filter(([metric]) => metric !== 'latency' && (compareOverall || metric !== 'overall')));
        return [name, { status: s.status, items: s.itemsProcessed, failed: s.itemsFailed, batches: s.batchCount, quality }];
      }),
    ),
    barriers: report.barriers.map((b) => ({ milestone: b.milestone, releasedBy: b.releasedBy, arrived: [...b.arrived].sort(), late: [...b.late].sort() })),
  };
}
