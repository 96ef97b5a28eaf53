import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { cliPath, repoRoot } from '../support/cliProcess.ts';
import { skipWithoutServer } from '../support/postgresServer.ts';

// A run whose driver was SIGKILLed on this host is taken over at once (the default 15 s lease is left
// to run out only by a driver elsewhere), and `status` says that driver is gone. Real child processes,
// each in a temp working directory with its own store.
const config = join(repoRoot, 'test', 'fixtures', 'small-three.json');
const work = mkdtempSync(join(tmpdir(), 'scenarios-takeover-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const url = process.env.DATABASE_URL ?? '';

interface Cli {
  child: ChildProcess;
  stderr: () => string;
  stdout: () => string;
  exited: Promise<number | null>;
  waitFor(pattern: RegExp, count: number): Promise<void>;
}

function cli(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Cli {
  const base: NodeJS.ProcessEnv = { ...process.env, CI: '1', NO_COLOR: '1' };
  delete base.DATABASE_URL;
  delete base.SCENARIOS_LEASE_MS;
  const child = spawn(process.execPath, [cliPath, ...args], { cwd, env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return {
    child,
    stderr: () => err,
    stdout: () => out,
    exited,
    async waitFor(pattern, count) {
      const all = new RegExp(pattern.source, 'g');
      const deadline = Date.now() + 60_000;
      let done = false;
      void exited.then(() => (done = true));
      while ((err.match(all)?.length ?? 0) < count) {
        if (done || Date.now() > deadline) throw new Error(`no ${String(pattern)} x${count}; stderr:\n${err}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}

async function finished(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  const run = cli(args, cwd, env);
  const code = await run.exited;
  return { code, stdout: run.stdout(), stderr: run.stderr() };
}

/**
 * Starts a run and SIGKILLs it once a scenario passed 30 %; returns the dead driver's owner id prefix. Its
 * lease is two minutes, far longer than the commands after it take on a loaded machine, so a resume that
 * waited for it to run out would fail the test's time limit instead of passing late.
 */
async function crashedRun(cwd: string, id: string, db: string): Promise<string> {
  const first = cli(['run', config, '--db', db, '--id', id], cwd, { SCENARIOS_LEASE_MS: '120000' });
  await first.waitFor(/\] milestone 30%/, 1);
  const pid = first.child.pid;
  first.child.kill('SIGKILL');
  expect(await first.exited).toBe(null);
  return `${hostname()}:${pid}:`;
}

describe('a run whose driver was SIGKILLed on this host', () => {
  it('is named as gone by status and taken over at once by resume (PGlite)', async () => {
    const cwd = join(work, 'pglite');
    mkdirSync(cwd);
    const id = `takeover-${Date.now()}`;
    const dead = await crashedRun(cwd, id, join(cwd, 'db'));

    // status finds the store through .scenarios/runs.json in this cwd.
    const status = await finished(['status', id], cwd);
    expect(status.code, status.stderr).toBe(0);
    // Saved as running, but nothing drives it: paused (the JSON keeps the stored status).
    expect(status.stdout).toContain(`${id}: paused, driver ${dead}`);
    expect(status.stdout).toMatch(/is gone \(its process has exited; scenarios resume \S+ takes over at once\)/);
    const json = await finished(['status', id, '--json'], cwd);
    expect(JSON.parse(json.stdout)).toMatchObject({ status: 'running', driver: 'gone' });

    // Well inside the dead driver's lease.
    const resumed = await finished(['resume', id, '--json'], cwd);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).not.toMatch(/waiting for the lease/);
    const after = await finished(['status', id, '--json'], cwd);
    expect(JSON.parse(after.stdout)).toMatchObject({ status: 'complete', owner: null, driver: 'none' });
  }, 180_000);

  describe.skipIf(skipWithoutServer('crash takeover'))('on the Postgres server', () => {
    const setLease = async (id: string, owner: string, leftMs: number) => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`UPDATE orchestrations SET owner = $2, lease_expires_at = (extract(epoch FROM now()) * 1000)::bigint + $3::bigint WHERE id = $1`, [
          id, owner, leftMs,
        ]);
      } finally {
        await client.end();
      }
    };

    it('is taken over at once', async () => {
      const cwd = join(work, 'server');
      mkdirSync(cwd, { recursive: true });
      const id = `takeover-pg-${Date.now()}`;
      const dead = await crashedRun(cwd, id, url);
      const status = await finished(['status', id], cwd);
      expect(status.stdout).toContain(`driver ${dead}`);
      expect(status.stdout).toContain('is gone');
      const resumed = await finished(['resume', id, '--json'], cwd);
      expect(resumed.code, resumed.stderr).toBe(0);
    }, 180_000);

    it('held by a driver on another host: refused with the way to wait, and `resume --wait` counts down and takes it', async () => {
      const cwd = join(work, 'server-wait');
      mkdirSync(cwd, { recursive: true });
      const id = `wait-pg-${Date.now()}`;
      await crashedRun(cwd, id, url);
      const elsewhere = 'elsewhere.example:4242:0a1b2c3d';
      await setLease(id, elsewhere, 60_000);
      const status = await finished(['status', id], cwd);
      expect(status.stdout).toContain(`driven by ${elsewhere}`);
      const refused = await finished(['resume', id, '--json'], cwd);
      expect(refused.code).toBe(3);
      expect(refused.stderr).toMatch(new RegExp(`driven by another process \\(${elsewhere}\\); its lease expires in \\d+ s \\(scenarios resume ${id} --wait takes over then\\)`));

      const waiting = cli(['resume', id, '--json', '--wait'], cwd);
      await waiting.waitFor(new RegExp(`waiting for the lease of ${elsewhere} on ${id} to expire: \\d+ s`), 2);
      await setLease(id, elsewhere, 1_500); // the other host stops renewing: its lease runs out soon
      expect(await waiting.exited, waiting.stderr()).toBe(0);
      expect(JSON.parse(waiting.stdout())).toMatchObject({ orchestrationId: id });
    }, 180_000);
  });
});
