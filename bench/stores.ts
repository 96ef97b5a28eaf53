/**
 * Stores for benchmarks, each opened once and cleaned up after: the memory store, PGlite in a temp folder,
 * and the Postgres server named by DATABASE_URL, in a temp database of our own (created, then dropped).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { MemorySnapshotStore } from '../src/persistence/MemorySnapshotStore.ts';
import { openStore } from '../src/persistence/openStore.ts';
import type { SnapshotStore } from '../src/persistence/SnapshotStore.ts';

export type StoreKind = 'memory' | 'pglite' | 'postgres';

export interface BenchStore {
  kind: StoreKind;
  label: string;
  store: SnapshotStore;
  /** Closes the store and removes what it made (folder, database). */
  dispose(): Promise<void>;
}

/** The store kinds this run can measure: the server only when DATABASE_URL is set. */
export function availableStores(env: NodeJS.ProcessEnv = process.env): StoreKind[] {
  return env.DATABASE_URL ? ['memory', 'pglite', 'postgres'] : ['memory', 'pglite'];
}

export async function openBenchStore(kind: StoreKind, env: NodeJS.ProcessEnv = process.env): Promise<BenchStore> {
  if (kind === 'memory') return { kind, label: 'memory store', store: new MemorySnapshotStore(), dispose: () => Promise.resolve() };
  if (kind === 'pglite') {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'scenarios-bench-'));
    try {
      const store = await openStore(path.join(dir, 'db'));
      return {
        kind, label: 'PGlite (temp folder)', store,
        dispose: async () => {
          try {
            await store.close();
          } finally {
            rmSync(dir, { recursive: true, force: true });
          }
        },
      };
    } catch (error) {
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  }
  const url = env.DATABASE_URL;
  if (!url) throw new Error('the postgres store needs DATABASE_URL');
  const database = `so_bench_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${database}`);
  const target = new URL(url);
  target.pathname = `/${database}`;
  const drop = () => admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  try {
    const store = await openStore(target.toString());
    return {
      kind, label: 'Postgres server (temp database)', store,
      dispose: async () => {
        try {
          await store.close();
        } finally {
          await drop();
        }
      },
    };
  } catch (error) {
    await drop();
    throw error;
  }
}
