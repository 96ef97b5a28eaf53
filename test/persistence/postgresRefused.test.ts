import { describe, expect, it } from 'vitest';
import { PostgresSnapshotStore, serverAddress } from '../../src/persistence/PostgresSnapshotStore.ts';

// Port 1 on 127.0.0.1 refuses at once: no server is needed.
describe('PostgresSnapshotStore on a port that refuses connections', () => {
  it('says what it is waiting for, and gives up within seconds when it has never reached the server', async () => {
    const notices: string[] = [];
    const started = Date.now();
    const error: unknown = await PostgresSnapshotStore.open({ connectionString: 'postgres://app:pw@127.0.0.1:1/test', onWait: (m) => notices.push(m) }).catch(
      (e: unknown) => e,
    );
    const waited = Date.now() - started;
    expect(notices).toEqual(['waiting for postgres at 127.0.0.1:1 (connection refused), retrying…']);
    expect(error).toMatchObject({ code: 'store_unavailable', cause: { code: 'ECONNREFUSED' } });
    expect((error as Error).message).toBe(
      'cannot connect to postgres://app@127.0.0.1:1/test: migrate was refused for 3000 ms (is the server running, and on this host and port?)',
    );
    expect(waited).toBeGreaterThanOrEqual(2_900);
    expect(waited).toBeLessThan(8_000);
  });

  it('names the server it waits for from the connection string', () => {
    expect(serverAddress('postgres://u:p@db.example:6000/app')).toBe('postgres at db.example:6000');
    expect(serverAddress('postgresql://db.example/app')).toBe('postgres at db.example:5432');
  });
});
