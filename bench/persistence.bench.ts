import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { bench, describe } from 'vitest';
import { MemorySnapshotStore } from '../src/persistence/MemorySnapshotStore.ts';
import { PgliteSnapshotStore } from '../src/persistence/PgliteSnapshotStore.ts';
import { PostgresSnapshotStore } from '../src/persistence/PostgresSnapshotStore.ts';
import type { SnapshotStore } from '../src/persistence/SnapshotStore.ts';

const url = process.env.DATABASE_URL ?? '';

/** Shaped like a persisted root actor with three scenario children; about 2 KB as JSON. */
const snapshot = {
  status: 'active',
  value: 'running',
  context: { runId: 'bench', milestones: { warmup: ['a', 'b'], half: [] } },
  children: Object.fromEntries(
    ['a', 'b', 'c'].map((name) => [
      `scenario:${name}`,
      {
        snapshot: {
          status: 'active',
          value: 'running',
          context: { cursor: 17, attempt: 0, deadline: 1_700_000_000_000, scores: Array.from({ length: 75 }, (_, i) => i / 16), name },
        },
        src: 'scenario',
        syncSnapshot: false,
      },
    ]),
  ),
};

/**
 * vitest does not run beforeAll/afterAll around benches, so each suite opens its store lazily on the
 * first iteration and closes it in tinybench's teardown after its last timed run. That teardown is not
 * awaited, so the server suite comes first: its schema is dropped while the later suites run.
 */
function storeBench(name: string, open: () => Promise<SnapshotStore>, cleanup: () => Promise<void> = () => Promise.resolve()): void {
  describe(name, () => {
    const id = `bench-${randomUUID()}`;
    let ready: Promise<SnapshotStore> | undefined;
    let version = 0;
    let batchIndex = 0;
    const store = (): Promise<SnapshotStore> =>
      (ready ??= open().then(async (s) => {
        await s.create({
          id, config: {}, skill: { name: 'noop', version: '1' }, status: 'running', snapshot, machineVersion: 'bench', xstateVersion: '5', owner: null, leaseExpiresAt: null,
        });
        return s;
      }));

    bench('recordBatch', async () => {
      const index = batchIndex++;
      await (await store()).recordBatch({
        orchestrationId: id, scenario: 'a', batchIndex: index, attempt: 1, items: 10, itemsFailed: 0, qualityScore: 0.9,
        result: { outputs: [index] }, startedAt: index, finishedAt: index + 1,
      });
    }, { time: 1_000 });

    bench('save (~2 KB snapshot)', async () => {
      version = await (await store()).save(id, { snapshot, status: 'running', expectedVersion: version });
    }, {
      time: 1_000,
      teardown: async (_task, mode) => {
        if (mode !== 'run') return;
        await (await store()).close();
        await cleanup();
      },
    });
  });
}

const schema = `so_bench_${randomUUID().replaceAll('-', '')}`;
async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(sql);
  await client.end();
}
describe.skipIf(!url)('postgres server', () => {
  storeBench(
    'DATABASE_URL',
    async () => {
      await admin(`CREATE SCHEMA ${schema}`);
      return PostgresSnapshotStore.open({ connectionString: url, schema });
    },
    () => admin(`DROP SCHEMA ${schema} CASCADE`),
  );
});

storeBench('memory', () => Promise.resolve(new MemorySnapshotStore()));
storeBench('pglite memory://', () => PgliteSnapshotStore.open('memory://'));
