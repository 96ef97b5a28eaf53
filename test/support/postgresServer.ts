import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';

/**
 * The shared Postgres server some tests use: DATABASE_URL. Tests only create their own rows or schemas
 * there; they never stop, restart or reconfigure it (test/support/postgresCluster.ts starts a throw-away
 * cluster for tests that must).
 */
export const serverUrl: string | undefined = process.env.DATABASE_URL || undefined;

/** For `skipIf`: true, printing why, when DATABASE_URL is not set; false when it is. */
export function skipWithoutServer(what: string): boolean {
  if (serverUrl) return false;
  console.warn(`${what}: skipped on the Postgres server, DATABASE_URL is not set (set it to run them; their PGlite variants still run)`);
  return true;
}

/**
 * The stores a durability guarantee is tested on, for `describe.each`: embedded PGlite in `pgliteDir`
 * always, so the guarantee is never left untested, and the Postgres server too when DATABASE_URL is set
 * (a printed note when it is not).
 */
export function guaranteeStores(pgliteDir: string, what: string): { name: string; db: string }[] {
  const server = skipWithoutServer(what) ? [] : [{ name: 'the Postgres server', db: serverUrl ?? '' }];
  return [...server, { name: 'PGlite', db: pgliteDir }];
}

/**
 * A schema of its own on DATABASE_URL for the calling describe block, made in `beforeAll` and dropped with
 * everything in it in `afterAll`, so parallel runs and other test files never collide. `admin` is a client
 * connected meanwhile, for the test's own queries.
 */
export function useServerSchema(prefix: string): { readonly name: string; readonly admin: pg.Client } {
  const name = `${prefix}_${randomUUID().replaceAll('-', '')}`;
  let admin: pg.Client | undefined;
  beforeAll(async () => {
    admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${pg.escapeIdentifier(name)}`);
  });
  afterAll(async () => {
    await admin?.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(name)} CASCADE`);
    await admin?.end();
  });
  return {
    name,
    get admin() {
      if (!admin) throw new Error('useServerSchema: the admin client exists only inside the tests of its describe block');
      return admin;
    },
  };
}
