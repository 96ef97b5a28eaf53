import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LeaseHeldError, LeaseKeeper } from '../../src/persistence/leaseKeeper.ts';
import { PgliteSnapshotStore } from '../../src/persistence/PgliteSnapshotStore.ts';
import { PostgresSnapshotStore } from '../../src/persistence/PostgresSnapshotStore.ts';
import type { SnapshotStore } from '../../src/persistence/SnapshotStore.ts';
import { skipWithoutServer } from '../support/postgresServer.ts';

const TEN_MINUTES = 10 * 60_000;
const url = process.env.DATABASE_URL ?? '';

/** Two hosts on one database: their own clocks (the `now` option) disagree; the database's decides. */
type Hosts = (skewMs: number) => Promise<{ skewed: SnapshotStore; correct: SnapshotStore; close: () => Promise<void> }>;

function leaseClockTests(name: string, hosts: () => Hosts): void {
  describe(`${name}: leases by the database's clock`, () => {
    const create = (store: SnapshotStore, id: string) =>
      store.create({ id, config: {}, skill: { name: 'echo', version: '1' }, status: 'running', snapshot: {}, machineVersion: 'm', xstateVersion: '5', owner: null, leaseExpiresAt: null });

    it('refuses a resume from a correct host while a host 10 minutes slow drives the run', async () => {
      const { skewed, correct, close } = await hosts()(-TEN_MINUTES);
      const id = `slow-${randomUUID()}`;
      await create(skewed, id);
      const lost: Error[] = [];
      const driver = await LeaseKeeper.acquire(skewed, id, 'slow-host', 15_000, (e) => void lost.push(e));
      try {
        const refused = await LeaseKeeper.acquire(correct, id, 'correct-host', 15_000, () => undefined).catch((e: unknown) => e);
        expect(refused).toBeInstanceOf(LeaseHeldError);
        const left = (refused as LeaseHeldError).remainingMs ?? -1;
        expect(left).toBeGreaterThan(10_000);
        expect(left).toBeLessThanOrEqual(15_000);
        expect((await correct.load(id))?.owner).toBe('slow-host');
        // The stored expiry is the database's now + 15 s, not the slow host's.
        expect((await correct.load(id))?.leaseRemainingMs).toBeGreaterThan(10_000);
        expect(lost).toEqual([]);
      } finally {
        driver.stop();
        await close();
      }
    });

    it('lets a correct host take over a crashed run of a host 10 minutes fast as soon as its lease lapses', async () => {
      const { skewed, correct, close } = await hosts()(TEN_MINUTES);
      const id = `fast-${randomUUID()}`;
      await create(skewed, id);
      try {
        const crashed = await LeaseKeeper.acquire(skewed, id, 'fast-host', 400, () => undefined);
        crashed.stop(); // the process dies: no renewal, no release
        await expect(LeaseKeeper.acquire(correct, id, 'correct-host', 15_000, () => undefined)).rejects.toBeInstanceOf(LeaseHeldError);
        await sleep(600);
        (await LeaseKeeper.acquire(correct, id, 'correct-host', 15_000, () => undefined)).stop();
        expect((await correct.load(id))?.owner).toBe('correct-host');
      } finally {
        await close();
      }
    });
  });
}

let pglite: PGlite;
beforeAll(async () => {
  pglite = await PGlite.create('memory://');
});
afterAll(async () => {
  await pglite.close();
});

leaseClockTests('PGlite', () => async (skewMs) => {
  const skewed = await PgliteSnapshotStore.attach(pglite, { now: () => Date.now() + skewMs });
  const correct = await PgliteSnapshotStore.attach(pglite);
  return { skewed, correct, close: async () => Promise.all([skewed.close(), correct.close()]).then(() => undefined) };
});

describe.skipIf(skipWithoutServer('lease clock skew'))('Postgres server', () => {
  leaseClockTests('Postgres', () => async (skewMs) => {
    const skewed = await PostgresSnapshotStore.open({ connectionString: url, now: () => Date.now() + skewMs });
    const correct = await PostgresSnapshotStore.open({ connectionString: url });
    return { skewed, correct, close: async () => Promise.all([skewed.close(), correct.close()]).then(() => undefined) };
  });
});
