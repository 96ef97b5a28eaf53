import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrations } from '../../src/persistence/migrations.ts';
import { openStore } from '../../src/persistence/openStore.ts';
import { isTransientPgError, PostgresSnapshotStore, redactUrl } from '../../src/persistence/PostgresSnapshotStore.ts';
import { outageProxy } from '../support/outageProxy.ts';
import { skipWithoutServer } from '../support/postgresServer.ts';
import { snapshotStoreContract } from './snapshotStoreContract.ts';

const url = process.env.DATABASE_URL ?? '';

/** A connection string whose sessions see only `schema`, as openStore users would write it. */
function withSearchPath(connectionString: string, schema: string): string {
  const u = new URL(connectionString);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return u.toString();
}

describe.skipIf(skipWithoutServer('PostgresSnapshotStore against DATABASE_URL'))('PostgresSnapshotStore against DATABASE_URL', () => {
  // Every run of this file gets schemas of its own, so parallel runs and other test files never collide.
  const schema = `so_test_${randomUUID().replaceAll('-', '')}`;
  const fresh = `${schema}_fresh`;
  let admin: pg.Client;

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: url });
    await admin.connect();
    for (const s of [schema, fresh]) await admin.query(`CREATE SCHEMA ${pg.escapeIdentifier(s)}`);
  });
  afterAll(async () => {
    for (const s of [schema, fresh]) await admin.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(s)} CASCADE`);
    await admin.end();
  });

  snapshotStoreContract('PostgresSnapshotStore', ({ now }) => PostgresSnapshotStore.open({ connectionString: url, schema, now }));

  it('migrates once when several processes open a fresh schema at the same time', async () => {
    const stores = await Promise.all(Array.from({ length: 4 }, () => PostgresSnapshotStore.open({ connectionString: url, schema: fresh })));
    await Promise.all(stores.map((s) => s.close()));
    const { rows } = await admin.query<{ version: number }>(`SELECT version FROM ${pg.escapeIdentifier(fresh)}.scenario_migrations ORDER BY version`);
    expect(rows.map((r) => r.version)).toEqual(migrations.map((m) => m.version));
  });

  it('finishes a call made while the server is away once it is back', async () => {
    const proxy = outageProxy(new URL(url));
    const port = await proxy.start();
    const store = await PostgresSnapshotStore.open({ connectionString: proxy.url(port), schema, retryForMs: 10_000 });
    const id = `outage-${randomUUID()}`;
    await store.create({
      id, config: {}, skill: { name: 'echo', version: '1' }, status: 'running', snapshot: {}, machineVersion: 'm1', xstateVersion: '5', owner: null, leaseExpiresAt: null,
    });
    await proxy.cut();
    const saving = store.save(id, { snapshot: { step: 1 }, status: 'running', expectedVersion: 0 });
    await new Promise((resolve) => setTimeout(resolve, 400));
    await proxy.start(port);
    expect(await saving).toBe(1);
    expect(await store.load(id)).toMatchObject({ version: 1, snapshot: { step: 1 } });
    await store.close();
    await proxy.cut();
  });

  it('survives the server terminating its idle connections (admin_shutdown) and reconnects', async () => {
    const proxy = outageProxy(new URL(url));
    const port = await proxy.start();
    const poolErrors: unknown[] = [];
    const store = await PostgresSnapshotStore.open({ connectionString: proxy.url(port), schema, onPoolError: (e) => poolErrors.push(e) });
    expect(await store.load('none')).toBeUndefined();
    // Only the backends behind this proxy, so nobody else's sessions are touched.
    await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE client_port = ANY($1::int[])', [proxy.backendPorts()]);
    await expect.poll(() => poolErrors.length).toBeGreaterThan(0);
    expect(poolErrors[0]).toMatchObject({ code: '57P01' });
    expect(await store.list()).toBeInstanceOf(Array);
    await store.close();
    await proxy.cut();
  });

  it('is what openStore opens for DATABASE_URL', async () => {
    const store = await openStore(undefined, { DATABASE_URL: withSearchPath(url, schema) });
    expect(store).toBeInstanceOf(PostgresSnapshotStore);
    expect(await store.load('nothing-here')).toBeUndefined();
    await store.close();
  });
});

describe('PostgresSnapshotStore without a reachable server', () => {
  it('fails a call with store_unavailable after the bounded wait, not a raw pg error', async () => {
    const store = await PostgresSnapshotStore.open({ connectionString: 'postgres://app:s3cret@127.0.0.1:1/test', retryForMs: 500, migrate: false });
    const started = Date.now();
    const error: unknown = await store.load('run-1').catch((e: unknown) => e);
    const waited = Date.now() - started;
    await store.close();
    expect(error).toMatchObject({ name: 'ScenarioError', code: 'store_unavailable' });
    const { message, cause } = error as Error;
    expect(message).toContain('postgres://app@127.0.0.1:1/test');
    expect(message).toContain('load');
    expect(message).not.toContain('s3cret');
    expect(cause).toMatchObject({ code: 'ECONNREFUSED' });
    expect(waited).toBeGreaterThanOrEqual(450);
    expect(waited).toBeLessThan(3_000);
  });

  it('fails to open with store_unavailable when migrations cannot reach the server', async () => {
    await expect(PostgresSnapshotStore.open({ connectionString: 'postgres://127.0.0.1:1/test', retryForMs: 200 })).rejects.toMatchObject({
      code: 'store_unavailable',
    });
  });

  it('refuses a schema name that is not a plain identifier', async () => {
    await expect(PostgresSnapshotStore.open({ connectionString: 'postgres://127.0.0.1:1/test', schema: 'x; DROP', migrate: false })).rejects.toMatchObject({
      code: 'usage',
    });
  });

  it('shows connection strings without their password', () => {
    expect(redactUrl('postgresql://u:p%40ss@db.example:5432/app?sslmode=require&password=x')).toBe('postgresql://u@db.example:5432/app?sslmode=require');
    expect(redactUrl('postgres://db.example/app')).toBe('postgres://db.example/app');
  });

  it('treats connection loss and server restarts as transient, and nothing else', () => {
    expect(isTransientPgError(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }))).toBe(true);
    expect(isTransientPgError(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isTransientPgError(new AggregateError([Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })]))).toBe(true);
    expect(isTransientPgError(Object.assign(new Error('duplicate key'), { code: '23505' }))).toBe(false);
    expect(isTransientPgError('ECONNREFUSED')).toBe(false);
  });
});
