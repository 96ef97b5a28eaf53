import { afterEach, describe, expect, it, vi } from 'vitest';
import { backoffMs, isTransientPgError, PostgresSnapshotStore, serverAddress, waitReason } from '../../src/persistence/PostgresSnapshotStore.ts';
import type { StoreOutageEvent } from '../../src/persistence/SnapshotStore.ts';
import { StoreUnreachableError } from '../../src/persistence/storeErrors.ts';
import { outageProxy } from '../support/outageProxy.ts';
import { serverUrl, skipWithoutServer, useServerSchema } from '../support/postgresServer.ts';

// Gaps a StrykerJS run of src/persistence found in PostgresSnapshotStore's retry paths, which only the
// cluster restart and outage tests (left out of the mutation subset: they start and stop clusters) reached.
// Here the outage is a proxy in front of DATABASE_URL that is cut and restored, in process, in seconds.

const coded = (code: string, message = 'x'): Error => Object.assign(new Error(message), { code });

describe('which failures a Postgres call waits out', () => {
  // Each entry of TRANSIENT_CODES and TRANSIENT_MESSAGES is its own mutant: an emptied one survived.
  it.each(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', '57P01', '57P02', '57P03', '08000', '08001', '08003', '08006', '53300'])(
    'code %s: connection loss, a server stopping or starting, or too many clients',
    (code) => expect(isTransientPgError(coded(code))).toBe(true),
  );

  it.each(['Connection terminated unexpectedly', 'Query read timeout', 'timeout exceeded when trying to connect', 'Client has encountered a connection error and is not queryable', 'Connection ended'])(
    'message "%s"',
    (message) => expect(isTransientPgError(new Error(message))).toBe(true),
  );

  it('not an SQL error, a cancelled query, a protocol error, a number code or a message on a plain object', () => {
    for (const code of ['23505', '57014', '08P01', '53200', '42P01', 'ECONNABORTED', '']) expect(isTransientPgError(coded(code)), code).toBe(false);
    expect(isTransientPgError({ code: 57 })).toBe(false);
    expect(isTransientPgError({ message: 'Connection terminated unexpectedly' })).toBe(false);
    expect(isTransientPgError(null)).toBe(false);
    expect(isTransientPgError(new AggregateError([coded('23505'), new Error('no')]))).toBe(false);
    expect(isTransientPgError(new AggregateError([coded('23505'), coded('EHOSTUNREACH')]))).toBe(true);
  });
});

describe('what a waiting call says it waits for', () => {
  it('names a refusal, a start-up, a shutdown and silence, and otherwise the error first line', () => {
    expect(waitReason(coded('ECONNREFUSED'))).toBe('connection refused');
    // Node reports a refused dual-stack connect (localhost) as an AggregateError of per-address errors.
    expect(waitReason(new AggregateError([coded('EADDRNOTAVAIL'), coded('ECONNREFUSED')]))).toBe('connection refused');
    expect(waitReason(coded('57P03'))).toBe('the server is starting up');
    expect(waitReason(coded('57P01'))).toBe('the server is shutting down');
    expect(waitReason(coded('57P02'))).toBe('the server is shutting down');
    for (const code of ['ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']) expect(waitReason(coded(code)), code).toBe('no answer');
    expect(waitReason(coded('ECONNRESET', 'read ECONNRESET\n    at TCP.onStreamRead'))).toBe('read ECONNRESET');
    expect(waitReason(new Error('Connection terminated unexpectedly'))).toBe('Connection terminated unexpectedly');
    expect(waitReason('gone')).toBe('gone');
  });

  it('names the server by host and port only, with the defaults filled in', () => {
    expect(serverAddress('postgres://u:p@db.example:6000/app')).toBe('postgres at db.example:6000');
    expect(serverAddress('postgres:///app')).toBe('postgres at localhost:5432');
    expect(serverAddress('not a url')).toBe('postgres');
  });
});

describe('how long a call pauses between attempts', () => {
  afterEach(() => vi.restoreAllMocks());

  it('doubles from 50 ms up to 2 s, jittered down by up to half', () => {
    vi.spyOn(Math, 'random').mockReturnValue(0);
    expect([0, 1, 2, 5, 6, 30].map(backoffMs)).toEqual([25, 50, 100, 800, 1_000, 1_000]);
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    expect([0, 1, 5, 6].map(backoffMs)).toEqual([37.5, 75, 1_200, 1_500]);
  });
});

describe('a server that refuses connections before it was ever reached', () => {
  // Port 1 on 127.0.0.1 refuses at once: no server is needed.
  it('is given refusedAtStartForMs, capped by retryForMs, and then named as a mistake to fix', async () => {
    const notices: string[] = [];
    const started = Date.now();
    const error: unknown = await PostgresSnapshotStore.open({ connectionString: 'postgres://127.0.0.1:1/db', refusedAtStartForMs: 300, onWait: (m) => notices.push(m) }).catch((e: unknown) => e);
    const waited = Date.now() - started;
    expect((error as Error).message).toBe('cannot connect to postgres://127.0.0.1:1/db: migrate was refused for 300 ms (is the server running, and on this host and port?)');
    expect(error).toMatchObject({ code: 'store_unavailable', cause: { code: 'ECONNREFUSED' } });
    expect(notices).toEqual(['waiting for postgres at 127.0.0.1:1 (connection refused), retrying…']);
    expect(waited).toBeGreaterThanOrEqual(290);

    const capped: unknown = await PostgresSnapshotStore.open({ connectionString: 'postgres://127.0.0.1:1/db', retryForMs: 150, refusedAtStartForMs: 60_000 }).catch((e: unknown) => e);
    expect((capped as Error).message).toContain('migrate was refused for 150 ms');
  });
});

describe.skipIf(skipWithoutServer('PostgresSnapshotStore outages through a proxy'))('PostgresSnapshotStore when DATABASE_URL goes away after it was reached', { timeout: 30_000 }, () => {
  const { name: schema } = useServerSchema('so_retry');

  async function throughProxy(retryForMs: number) {
    const proxy = outageProxy(new URL(serverUrl ?? ''));
    const port = await proxy.start();
    const notices: string[] = [];
    const events: StoreOutageEvent[] = [];
    const store = await PostgresSnapshotStore.open({ connectionString: proxy.url(port), schema, retryForMs, onWait: (m) => notices.push(m), onPoolError: () => undefined });
    store.watchOutages((e) => events.push(e));
    expect(await store.load('none')).toBeUndefined();
    return {
      store,
      events,
      notices,
      cut: () => proxy.cut(),
      restore: () => proxy.start(port),
      async dispose() {
        await store.close();
        await proxy.cut();
      },
    };
  }

  it('tells when the outage starts and ends, finishes the call, and leaves onWait to opening', async () => {
    const t = await throughProxy(10_000);
    try {
      // A listener's bug is not the store's error; an unsubscribed listener hears nothing.
      t.store.watchOutages(() => {
        throw new Error('listener bug');
      });
      const unheard: StoreOutageEvent[] = [];
      t.store.watchOutages((e) => unheard.push(e))();

      await t.cut();
      const cutAt = Date.now();
      const loading = t.store.load('none');
      await expect.poll(() => t.events.length).toBe(1);
      const [down] = t.events;
      expect(down).toMatchObject({ type: 'store.unreachable', givesUpAfterMs: 10_000 });
      expect(down?.type === 'store.unreachable' && down.reason).toMatch(/^(connection refused|Connection terminated)/);
      expect(down?.since).toBeGreaterThanOrEqual(cutAt);
      await new Promise((resolve) => setTimeout(resolve, 300));
      await t.restore();
      expect(await loading).toBeUndefined();
      expect(t.events).toHaveLength(2);
      const back = t.events[1];
      expect(back).toMatchObject({ type: 'store.back', since: down?.since });
      if (back?.type !== 'store.back') throw new Error('no store.back');
      expect(back.downMs).toBe(back.at - back.since);
      expect(back.downMs).toBeGreaterThanOrEqual(250);
      expect(t.notices).toEqual([]);
      expect(unheard).toEqual([]);
    } finally {
      await t.dispose();
    }
  });

  it('fails every call once the outage has lasted the window, counted from its start; then each call tries once until the server answers', async () => {
    const retryForMs = 1_500;
    const t = await throughProxy(retryForMs);
    try {
      await t.cut();
      const first = t.store.load('a').catch((e: unknown) => e);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      // A call that starts late in the outage gets what is left of the window, not one of its own.
      const lateStart = Date.now();
      const late: unknown = await t.store.load('b').catch((e: unknown) => e);
      expect(Date.now() - lateStart).toBeLessThan(1_200);
      const error = await first;
      for (const e of [error, late]) {
        expect(e).toBeInstanceOf(StoreUnreachableError);
        expect(e).toMatchObject({ code: 'store_unavailable', unreachableForMs: retryForMs, since: t.events[0]?.since });
      }
      expect((error as Error).message).toMatch(/^store postgres:\/\/.+ \(schema so_retry_\w+\) is unavailable: unreachable for 1500 ms, load still failing \(.+\)$/);

      // After the window, a call fails after one attempt instead of waiting again.
      const again = Date.now();
      await expect(t.store.list()).rejects.toBeInstanceOf(StoreUnreachableError);
      expect(Date.now() - again).toBeLessThan(1_000);
      expect(t.events.map((e) => e.type)).toEqual(['store.unreachable']);

      await t.restore();
      expect(await t.store.list()).toEqual([]);
      expect(t.events.map((e) => e.type)).toEqual(['store.unreachable', 'store.back']);

      // A new outage gets a whole window again.
      await t.cut();
      let settled = false;
      const waiting = t.store.load('c').finally(() => (settled = true));
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(settled).toBe(false);
      await t.restore();
      expect(await waiting).toBeUndefined();
      expect(t.events.map((e) => e.type)).toEqual(['store.unreachable', 'store.back', 'store.unreachable', 'store.back']);
    } finally {
      await t.dispose();
    }
  });
});
