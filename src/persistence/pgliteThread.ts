import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { SqlClient, SqlQueryable } from './SqlSnapshotStore.ts';

/**
 * The worker's whole program, plain CommonJS run with `eval`, so it loads the same way from the sources
 * (tsx, vitest) and from dist/ without a TypeScript loader in the worker. It owns one PGlite and answers
 * `{ id, op, ... }` messages in the order they arrive (PGlite's own mutex keeps that order).
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { PGlite } = require(workerData.pglite);
let db;
const reply = (id, body) => parentPort.postMessage({ id, ...body });
const failure = (error) => {
  const e = error !== null && typeof error === 'object' ? error : { message: String(error) };
  const out = { message: typeof e.message === 'string' ? e.message : String(error) };
  for (const key of ['name', 'code', 'detail', 'hint', 'severity', 'constraint', 'table', 'column', 'schema']) {
    if (typeof e[key] === 'string') out[key] = e[key];
  }
  return out;
};
parentPort.on('message', (m) => {
  let work;
  if (m.op === 'open') work = PGlite.create(m.dataDir).then((created) => { db = created; return []; });
  else if (m.op === 'query') work = db.query(m.sql, m.params).then((result) => result.rows);
  else if (m.op === 'close') work = (db ? db.close() : Promise.resolve()).then(() => []);
  else work = Promise.reject(new Error('unknown op ' + String(m.op)));
  work.then((rows) => reply(m.id, { rows }), (error) => reply(m.id, { error: failure(error) }));
});
`;

type Request = { op: 'open'; dataDir: string } | { op: 'query'; sql: string; params: unknown[] } | { op: 'close' };
type Reply = { id: number; rows: unknown[]; error?: undefined } | { id: number; error: { message: string } & Record<string, string> };

/**
 * PGlite (WASM Postgres) on a worker thread. On the main thread each query runs its WASM and the data
 * folder's synchronous file I/O as one blocking chunk of milliseconds, which delays every timer due meanwhile:
 * a skill's 20 ms sleep then ends late and the scenario's busy time counts the store's work. Here the
 * main thread only posts messages; a query still resolves only after PGlite has executed (and, for a data
 * folder, written) it, so the journal-before-snapshot order and every durability guarantee are unchanged.
 */
export async function openPgliteThread(dataDir: string): Promise<SqlClient> {
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { pglite: createRequire(import.meta.url).resolve('@electric-sql/pglite') },
  });
  const pending = new Map<number, { resolve: (rows: unknown[]) => void; reject: (error: Error) => void }>();
  let nextId = 0;
  let dead: Error | undefined;
  // Referenced only while a request is in flight: an idle store never keeps the process alive, as PGlite
  // on the main thread never did, yet a write in flight is never cut short by the process exiting.
  worker.unref();
  const failAll = (error: Error) => {
    dead ??= error;
    for (const { reject } of pending.values()) reject(error);
    pending.clear();
  };
  worker.on('message', (reply: Reply) => {
    const waiter = pending.get(reply.id);
    if (!waiter) return;
    pending.delete(reply.id);
    if (pending.size === 0) worker.unref();
    if (reply.error) waiter.reject(Object.assign(new Error(reply.error.message), reply.error));
    else waiter.resolve(reply.rows);
  });
  worker.on('error', (error) => failAll(error));
  worker.on('exit', (code) => failAll(new Error(`the PGlite worker thread exited (code ${code})`)));

  const call = (request: Request): Promise<unknown[]> => {
    if (dead) return Promise.reject(dead);
    const id = nextId++;
    return new Promise((resolve, reject) => {
      if (pending.size === 0) worker.ref();
      pending.set(id, { resolve, reject });
      worker.postMessage({ id, ...request });
    });
  };
  const run = async <T>(sql: string, params: readonly unknown[] = []) => ({ rows: (await call({ op: 'query', sql, params: [...params] })) as T[] });

  // One connection: while a transaction is open, plain queries wait for it to end rather than join it.
  let transactionDone: Promise<unknown> = Promise.resolve();
  const client: SqlClient = {
    async query<T>(sql: string, params: readonly unknown[] = []) {
      await transactionDone;
      return run<T>(sql, params);
    },
    transaction<R>(fn: (tx: SqlQueryable) => Promise<R>): Promise<R> {
      const body = transactionDone.then(async () => {
        await run('BEGIN');
        try {
          const result = await fn({ query: run });
          await run('COMMIT');
          return result;
        } catch (error) {
          await run('ROLLBACK').catch(() => undefined);
          throw error;
        }
      });
      transactionDone = body.catch(() => undefined);
      return body;
    },
    async close() {
      try {
        if (!dead) await call({ op: 'close' });
      } finally {
        failAll(new Error('the PGlite store is closed'));
        await worker.terminate();
      }
    },
  };

  try {
    await call({ op: 'open', dataDir });
  } catch (error) {
    await worker.terminate();
    throw error;
  }
  return client;
}
