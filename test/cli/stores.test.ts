import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { fixture, scenarios, tempDir } from './spawnCli.ts';

const temp = tempDir('scenarios-stores-');
afterAll(() => temp.remove());

function emptyDir(name: string): string {
  const dir = join(temp.dir, name);
  mkdirSync(dir);
  return dir;
}

// Each case spawns the CLI; on a loaded machine that alone can take many seconds, so they run one at a time.
describe('read-only commands create no store', { timeout: 180_000 }, () => {
  it('`list` in a folder without a store says there are no runs and creates nothing', async () => {
    const cwd = emptyDir('list');
    const text = await scenarios(['list'], cwd);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toBe(`no orchestrations in pglite:${join(cwd, '.scenarios', 'db')}\n`);
    const json = await scenarios(['list', '--json'], cwd);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual([]);
    expect(readdirSync(cwd)).toEqual([]);
  });

  it.each([['status'], ['report'], ['inspect', '--json'], ['resume']])('`%s ID` without a store says there is no such run (exit 2) and creates nothing', async (command, ...flags) => {
    const cwd = emptyDir(`id-${command}`);
    const db = join(cwd, 'elsewhere');
    const { code, stdout, stderr } = await scenarios([command, 'orch-none', ...flags], cwd);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(`scenarios: no orchestration "orch-none" in pglite:${join(cwd, '.scenarios', 'db')} (see scenarios list)\n`);
    const explicit = await scenarios([command, 'orch-none', '--db', db, ...flags], cwd);
    expect(explicit.code).toBe(2);
    expect(explicit.stderr).toContain(`no orchestration "orch-none" in pglite:${db}`);
    expect(readdirSync(cwd)).toEqual([]);
  });
});

describe('opening stores', { timeout: 180_000 }, () => {
  it('says it is creating the embedded database on the first run in a folder, and only then', async () => {
    const db = join(temp.dir, 'fresh-db');
    const first = await scenarios(['run', fixture('fast-config.json'), '--db', db, '--json'], temp.dir);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain(`creating the embedded database in ${db}…`);
    const second = await scenarios(['run', fixture('fast-config.json'), '--db', db, '--json'], temp.dir);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).not.toContain('creating the embedded database');
  });

  it('refuses --db naming a regular file as bad input (exit 2), saying it is a file', async () => {
    const file = join(temp.dir, 'a-file');
    writeFileSync(file, 'x');
    const { code, stderr } = await scenarios(['run', fixture('fast-config.json'), '--db', file], temp.dir);
    expect(code).toBe(2);
    expect(stderr).toBe(`scenarios: ${file} is a file, not a folder: an embedded PGlite store needs a folder (created if missing); or use postgres://… or memory\n`);
    const under = await scenarios(['list', '--db', join(file, 'db')], temp.dir);
    expect(under.code).toBe(2);
    expect(under.stderr).toContain('part of that path is a file');
  });

  it('says what it waits for when a Postgres port refuses connections, and gives up within seconds', async () => {
    // How fast it gives up is measured without process start-up in test/persistence/postgresRefused.test.ts.
    const cwd = emptyDir('refused');
    const { code, stdout, stderr } = await scenarios(['run', fixture('fast-config.json'), '--db', 'postgres://postgres@127.0.0.1:5999/test'], cwd);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain('waiting for postgres at 127.0.0.1:5999 (connection refused), retrying…\n');
    expect(stderr).toMatch(/scenarios: cannot connect to postgres:\/\/postgres@127\.0\.0\.1:5999\/test: migrate was refused for 3000 ms \(is the server running, and on this host and port\?\)\n$/);
    expect(readdirSync(cwd)).toEqual([]);
  });
});

const url = process.env.DATABASE_URL;

describe.skipIf(!url)('read-only commands on a Postgres database without the schema', { timeout: 180_000 }, () => {
  it('`list` says there are no runs, `status` no such run, and neither creates a table', async () => {
    const schema = `cli_ro_${process.pid}_${Date.now() % 100_000}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query(`CREATE SCHEMA ${schema}`);
      const u = new URL(url!);
      u.searchParams.set('options', `-c search_path=${schema}`);
      const cwd = emptyDir('postgres-ro');
      const list = await scenarios(['list', '--db', u.toString()], cwd);
      expect(list.code, list.stderr).toBe(0);
      expect(list.stdout).toMatch(/^no orchestrations in postgres:/);
      const status = await scenarios(['status', 'orch-none', '--db', u.toString()], cwd);
      expect(status.code).toBe(2);
      expect(status.stderr).toContain('no orchestration "orch-none" in postgres:');
      const { rows } = await admin.query<{ n: string }>('SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = $1', [schema]);
      expect(Number(rows[0]?.n)).toBe(0);
      // Once `run` has created the schema, the same commands find the run.
      const ran = await scenarios(['run', fixture('fast-config.json'), '--db', u.toString(), '--id', 'orch-pg', '--json'], cwd);
      expect(ran.code, ran.stderr).toBe(0);
      const listed = await scenarios(['list', '--db', u.toString()], cwd);
      expect(listed.stdout).toContain('orch-pg');
      const found = await scenarios(['status', 'orch-pg', '--db', u.toString(), '--json'], cwd);
      expect(found.code, found.stderr).toBe(0);
      expect(JSON.parse(found.stdout)).toMatchObject({ id: 'orch-pg', status: 'complete' });
    } finally {
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.end();
    }
  });
});
