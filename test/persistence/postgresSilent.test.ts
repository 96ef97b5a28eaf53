import { createServer, connect, type Server, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { PostgresSnapshotStore, StoreUnreachableError } from '../../src/persistence/PostgresSnapshotStore.ts';
import type { StoreOutageEvent } from '../../src/persistence/SnapshotStore.ts';
import { skipCluster, useThrowawayCluster } from '../support/postgresCluster.ts';

/**
 * A TCP relay in front of the cluster that can go silent: connections stay open but nothing passes, as
 * when a server or the network between hangs (no refusal, no reset), so a query just never returns.
 */
async function silenceableRelay(target: { host: string; port: number }): Promise<{ port: number; silence(): void; close(): Promise<void> }> {
  let silent = false;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    sockets.add(client);
    client.on('error', () => undefined);
    if (silent) return;
    const upstream = connect(target.port, target.host);
    sockets.add(upstream);
    upstream.on('error', () => client.destroy());
    client.on('data', (d) => !silent && upstream.write(d));
    upstream.on('data', (d) => !silent && client.write(d));
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    port: address.port,
    silence: () => (silent = true),
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

describe.skipIf(skipCluster('a Postgres server that goes silent'))('a Postgres server that goes silent', () => {
  const cluster = useThrowawayCluster();

  it('a call stuck inside pg is cut off when the retry window ends', async () => {
    const url = new URL(cluster.url);
    const relay = await silenceableRelay({ host: url.hostname, port: Number(url.port) });
    url.port = String(relay.port);
    const store = await PostgresSnapshotStore.open({ connectionString: url.toString(), retryForMs: 1_500 });
    const events: StoreOutageEvent[] = [];
    store.watchOutages((e) => events.push(e));
    try {
      expect(await store.list()).toEqual([]);
      relay.silence();
      const started = Date.now();
      const error: unknown = await store.list().catch((e: unknown) => e);
      const waited = Date.now() - started;
      expect(error).toBeInstanceOf(StoreUnreachableError);
      expect(waited).toBeLessThan(1_500 + 1_000);
      expect(events.map((e) => e.type)).toEqual(['store.unreachable']);
      // Past the window, a call tries once, briefly, and fails.
      const again = Date.now();
      await expect(store.list()).rejects.toBeInstanceOf(StoreUnreachableError);
      expect(Date.now() - again).toBeLessThan(1_500 + 1_000);
    } finally {
      await relay.close();
      await store.close();
    }
  }, 20_000);
});
