import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { startThrowawayCluster, type ThrowawayCluster } from '../../support/postgresCluster.ts';
import { serverUrl } from '../../support/postgresServer.ts';

/**
 * Databases of this test file's own on a real Postgres server, for DBOS's system tables and queue: the
 * server in DATABASE_URL when it is set, else a throw-away cluster started for the file (so the tests never
 * silently skip). Every database is `ci_remote_<random>` and is dropped (WITH (FORCE)) by `dispose()`.
 */
export interface RemoteDatabases {
  /** postgres://… of a new, empty database on the server. */
  create(): Promise<string>;
  /** Drops every database created here and stops the throw-away cluster, if one was started. */
  dispose(): Promise<void>;
}

export async function openRemoteDatabases(): Promise<RemoteDatabases> {
  let cluster: ThrowawayCluster | undefined;
  const base = serverUrl ?? (cluster = await startThrowawayCluster()).url;
  const created: string[] = [];
  const admin = async <T>(work: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: base });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  };
  return {
    async create() {
      const name = `ci_remote_${randomBytes(6).toString('hex')}`;
      await admin((client) => client.query(`CREATE DATABASE ${name}`));
      created.push(name);
      const url = new URL(base);
      url.pathname = `/${name}`;
      return url.toString();
    },
    async dispose() {
      try {
        if (created.length > 0) await admin(async (client) => {
          for (const name of created.splice(0)) await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        });
      } finally {
        await cluster?.destroy();
      }
    },
  };
}

/**
 * For a test file: the server is ready before its tests; `afterAll` (registered here, so it runs after the
 * file's own later-registered afterAll hooks) drops the databases. Drain workers and close clients first.
 */
export function useRemoteDatabases(): { create(): Promise<string> } {
  let databases: RemoteDatabases | undefined;
  beforeAll(async () => {
    databases = await openRemoteDatabases();
  }, 180_000);
  afterAll(async () => {
    await databases?.dispose();
  }, 120_000);
  return {
    create: () => {
      if (!databases) throw new Error('the remote databases are not open (used outside a test?)');
      return databases.create();
    },
  };
}
