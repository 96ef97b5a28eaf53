import { describe, expect, it } from 'vitest';
import { InternalError } from '../../src/errors.ts';
import { migrate, migrations, type Migration } from '../../src/persistence/migrations.ts';
import type { SqlQueryable } from '../../src/persistence/SqlSnapshotStore.ts';

const step = (version: number): Migration => ({ version, name: `m${version}`, statements: [`-- ${version}`] });

/** A database that has applied `applied` and records every statement it is sent. */
function recordingDb(applied: number[]) {
  const sent: { sql: string; params: readonly unknown[] }[] = [];
  const tx: SqlQueryable = {
    query<T>(sql: string, params: readonly unknown[] = []) {
      sent.push({ sql, params });
      const rows = sql.startsWith('SELECT version') ? applied.map((version) => ({ version })) : [];
      return Promise.resolve({ rows: rows as T[] });
    },
  };
  let transactions = 0;
  return {
    sent,
    transactions: () => transactions,
    transaction<R>(fn: (t: SqlQueryable) => Promise<R>): Promise<R> {
      transactions += 1;
      return fn(tx);
    },
  };
}

describe('migrate', () => {
  it('refuses a list whose versions do not rise, before touching the database', async () => {
    for (const list of [[step(2), step(1)], [step(1), step(1)], [step(1), step(3), step(2)]]) {
      const db = recordingDb([]);
      await expect(migrate(db, list)).rejects.toThrow(InternalError);
      expect(db.transactions()).toBe(0);
    }
    await expect(migrate(recordingDb([]), [step(2), step(1)])).rejects.toThrow('migration 1 is out of order');
  });

  it('applies, in one transaction, only the migrations not yet recorded, and returns their versions', async () => {
    const db = recordingDb([1]);
    expect(await migrate(db, [step(1), step(2), step(5)])).toEqual([2, 5]);
    expect(db.transactions()).toBe(1);
    const statements = db.sent.map((s) => s.sql);
    expect(statements).toContain('-- 2');
    expect(statements).toContain('-- 5');
    expect(statements).not.toContain('-- 1');
    expect(db.sent.filter((s) => s.sql.startsWith('INSERT INTO scenario_migrations')).map((s) => s.params.slice(0, 2))).toEqual([[2, 'm2'], [5, 'm5']]);
    expect(await migrate(recordingDb(migrations.map((m) => m.version)), migrations)).toEqual([]);
  });
});
