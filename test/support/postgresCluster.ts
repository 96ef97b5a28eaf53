import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll } from 'vitest';

/**
 * A throw-away PostgreSQL cluster for the tests that stop, start or restart "the server": `initdb` into a
 * temp folder, `postgres` on its own free port on 127.0.0.1 with its own unix socket folder and trust auth,
 * controlled with `pg_ctl -m fast`, removed afterwards. Tests never touch a server they did not start:
 * DATABASE_URL (a shared server) is not used here at all.
 *
 * It needs the server binaries (Debian: /usr/lib/postgresql/<version>/bin, or PG_BINDIR). Running as root,
 * where initdb and postgres refuse to run, everything runs as the `postgres` OS user through `runuser`.
 */

const run = promisify(execFile);

function findBinDir(): string | undefined {
  const has = (dir: string) => ['initdb', 'pg_ctl', 'postgres'].every((b) => existsSync(join(dir, b)));
  if (process.env.PG_BINDIR) return has(process.env.PG_BINDIR) ? process.env.PG_BINDIR : undefined;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).filter((v) => /^\d+(\.\d+)?$/.test(v)).sort((a, b) => Number(b) - Number(a));
  return versions.map((v) => join(root, v, 'bin')).find(has);
}

function osUser(name: string): { uid: number; gid: number } | undefined {
  try {
    const [uid, gid] = ['-u', '-g'].map((flag) => Number(execFileSync('id', [flag, name], { encoding: 'utf8' }).trim()));
    return uid !== undefined && gid !== undefined && Number.isInteger(uid) && Number.isInteger(gid) ? { uid, gid } : undefined;
  } catch {
    return undefined;
  }
}

const binDir = findBinDir();
const isRoot = process.getuid?.() === 0;
const runAs = isRoot ? osUser('postgres') : undefined;

/** Why no throw-away cluster can be started here, or undefined when one can. */
export const clusterUnavailable: string | undefined = !binDir
  ? 'no PostgreSQL server binaries (initdb, pg_ctl, postgres) under /usr/lib/postgresql/<version>/bin; install postgresql or set PG_BINDIR'
  : isRoot && !runAs
    ? 'running as root, and initdb/postgres refuse root, but there is no "postgres" OS user to run them as'
    : isRoot && !existsSync('/usr/sbin/runuser') && !existsSync('/sbin/runuser') && !existsSync('/usr/bin/runuser')
      ? 'running as root, and initdb/postgres refuse root, but runuser (to run them as "postgres") is missing'
      : undefined;

/**
 * For `describe.skipIf(skipCluster(...))`: prints why the tests are skipped, and with CI set (the CI machine
 * has the binaries) refuses to skip, so a broken CI image fails instead of silently testing less.
 */
export function skipCluster(what: string): boolean {
  if (clusterUnavailable === undefined) return false;
  if (process.env.CI) throw new Error(`${what}: cannot start a throw-away PostgreSQL cluster (CI is set, so this fails instead of skipping): ${clusterUnavailable}`);
  console.warn(`${what}: skipped, ${clusterUnavailable}`);
  return true;
}

export interface ThrowawayCluster {
  /** postgres://postgres@127.0.0.1:<port>/postgres */
  readonly url: string;
  readonly port: number;
  /** Asynchronous, so a run keeps going (and its writes keep failing and retrying) while the server is away. */
  stop(): Promise<void>;
  start(): Promise<void>;
  restart(): Promise<void>;
  /** Stops the server (immediately) if it runs and removes its folder; safe to call twice, or after a failed start. */
  destroy(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Its own port and unix socket folder, reachable only on 127.0.0.1; fsync off (nothing here outlives the test). */
const serverOptions = (port: number, socketDir: string) =>
  [`-p ${port}`, `-k ${socketDir}`, '-c listen_addresses=127.0.0.1', '-c fsync=off', '-c max_connections=30', '-c shared_buffers=16MB'].join(' ');

/** Starts a new cluster in a new temp folder. Call `destroy()` in a `finally` or `afterAll`. */
export async function startThrowawayCluster(): Promise<ThrowawayCluster> {
  if (clusterUnavailable !== undefined || !binDir) throw new Error(`cannot start a throw-away PostgreSQL cluster: ${clusterUnavailable}`);
  const bin = binDir;
  const folder = mkdtempSync(join(tmpdir(), 'scenarios-pg-'));
  if (runAs) chownSync(folder, runAs.uid, runAs.gid);
  const data = join(folder, 'data');
  const log = join(folder, 'server.log');
  const command = (tool: string, args: string[]): [string, string[]] => (runAs ? ['runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]] : [join(bin, tool), args]);
  const pgCtl = async (args: string[]) => {
    const [file, argv] = command('pg_ctl', ['-D', data, ...args]);
    try {
      await run(file, argv, { timeout: 90_000 });
    } catch (error) {
      const tail = existsSync(log) ? readFileSync(log, 'utf8').split('\n').slice(-15).join('\n') : '';
      throw new Error(`pg_ctl ${args.join(' ')} failed: ${(error as Error).message}\nserver log (tail):\n${tail}`, { cause: error });
    }
  };
  let running = false;
  let destroyed = false;
  const stopNow = () => {
    if (!running) return;
    running = false;
    try {
      const [file, argv] = command('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      execFileSync(file, argv, { stdio: 'ignore', timeout: 30_000 });
    } catch {
      // Already gone.
    }
  };
  // A test process that ends without destroy() (an uncaught error, a timeout) still takes its server along.
  const onExit = () => {
    stopNow();
    rmSync(folder, { recursive: true, force: true });
  };
  process.once('exit', onExit);

  const destroy = async () => {
    if (destroyed) return;
    destroyed = true;
    process.removeListener('exit', onExit);
    if (running) {
      running = false;
      await pgCtl(['-m', 'immediate', '-w', 'stop']).catch(() => undefined);
    }
    rmSync(folder, { recursive: true, force: true });
  };

  try {
    const [initdb, initArgs] = command('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions']);
    await run(initdb, initArgs, { timeout: 120_000 });
    let port = 0;
    // -l on every start: without it the server would inherit (and hold open) this process's pipes.
    const start = () => pgCtl(['-l', log, '-o', serverOptions(port, folder), '-w', '-t', '60', 'start']);
    for (let attempt = 0; ; attempt++) {
      port = await freePort();
      try {
        await start();
        running = true;
        break;
      } catch (error) {
        // Someone took the port between our probe and the server's bind: try another.
        if (attempt >= 2) throw error;
      }
    }
    return {
      url: `postgres://postgres@127.0.0.1:${port}/postgres`,
      port,
      async stop() {
        await pgCtl(['-m', 'fast', '-w', 'stop']);
        running = false;
      },
      async start() {
        await start();
        running = true;
      },
      async restart() {
        await pgCtl(['-l', log, '-o', serverOptions(port, folder), '-m', 'fast', '-w', '-t', '60', 'restart']);
        running = true;
      },
      destroy,
    };
  } catch (error) {
    await destroy();
    throw error;
  }
}

/**
 * Starts a throw-away cluster before the enclosing suite's tests and removes it after them. The returned
 * handle reads the running cluster, so tests use it as they would the cluster itself.
 */
export function useThrowawayCluster(): ThrowawayCluster {
  let started: ThrowawayCluster | undefined;
  beforeAll(async () => {
    started = await startThrowawayCluster();
  });
  afterAll(() => started?.destroy());
  const current = () => {
    if (!started) throw new Error('the throw-away cluster is not running (used outside a test?)');
    return started;
  };
  return {
    get url() {
      return current().url;
    },
    get port() {
      return current().port;
    },
    stop: () => current().stop(),
    start: () => current().start(),
    restart: () => current().restart(),
    destroy: () => current().destroy(),
  };
}
