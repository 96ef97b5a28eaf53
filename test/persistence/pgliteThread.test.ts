import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPgliteThread } from '../../src/persistence/pgliteThread.ts';
import type { SqlClient } from '../../src/persistence/SqlSnapshotStore.ts';

describe('openPgliteThread', () => {
  let db: SqlClient;
  // Booting PGlite's WASM takes seconds (tens on a loaded machine): one database for the file.
  beforeAll(async () => {
    db = await openPgliteThread('memory://');
    await db.query('CREATE TABLE t (id integer PRIMARY KEY, doc jsonb, big bigint)');
  }, 120_000);
  afterAll(async () => {
    await db.close();
  });

  it('should refuse calls once closed instead of leaving them unanswered', async () => {
    const other = await openPgliteThread('memory://');
    await other.close();
    await expect(other.query('SELECT 1')).rejects.toThrow(/closed/);
  }, 120_000);

  it('should pass parameters and return rows as PGlite does', async () => {
    await db.query('INSERT INTO t VALUES ($1, $2::text::jsonb, $3)', [1, JSON.stringify({ a: [1, 'x'] }), 1_700_000_000_000]);
    const { rows } = await db.query<{ id: number; doc: unknown; big: unknown }>('SELECT id, doc, big FROM t WHERE id = $1', [1]);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.doc).toEqual({ a: [1, 'x'] });
    expect(Number(rows[0]?.big)).toBe(1_700_000_000_000);
  });

  it('should reject with the database error, its message and SQLSTATE code', async () => {
    const error: unknown = await db.query('INSERT INTO t VALUES (1, null, null)').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ code: '23505', message: expect.stringContaining('duplicate key') as string });
  });

  it('should roll a transaction back when its body throws, and keep what a committed one wrote', async () => {
    await expect(
      db.transaction(async (tx) => {
        await tx.query('INSERT INTO t VALUES (2, null, null)');
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    const committed = await db.transaction(async (tx) => {
      await tx.query('INSERT INTO t VALUES (3, null, null)');
      return 'done';
    });
    expect(committed).toBe('done');
    const { rows } = await db.query<{ id: number }>('SELECT id FROM t WHERE id IN (2, 3) ORDER BY id');
    expect(rows.map((r) => r.id)).toEqual([3]);
  });

  it('should make a plain query wait for an open transaction instead of running inside it', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const transaction = db.transaction(async (tx) => {
      await tx.query('INSERT INTO t VALUES (4, null, null)');
      await gate;
      throw new Error('roll back');
    });
    // Issued while the transaction is open: must not see (or join) its uncommitted row.
    const outside = db.query<{ n: number }>('SELECT count(*)::int AS n FROM t WHERE id = 4');
    release();
    await expect(transaction).rejects.toThrow('roll back');
    expect((await outside).rows[0]?.n).toBe(0);
  });
});
