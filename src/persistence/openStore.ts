import path from 'node:path';
import { ScenarioError, toError } from '../errors.ts';
import { MemorySnapshotStore } from './MemorySnapshotStore.ts';
import { PgliteSnapshotStore } from './PgliteSnapshotStore.ts';
import { PostgresSnapshotStore, redactUrl } from './PostgresSnapshotStore.ts';
import type { SnapshotStore } from './SnapshotStore.ts';

/**
 * Opens (and migrates) the store named by `spec`: a `postgres://` / `postgresql://` URL, `memory`, or a
 * PGlite data folder (`memory://` for an in-memory PGlite). Without a spec: `DATABASE_URL`, else
 * PGlite in `.scenarios/db` under the working directory.
 * @throws ScenarioError `store_unavailable` with a one-line message naming the target.
 */
export async function openStore(spec?: string, env: NodeJS.ProcessEnv = process.env): Promise<SnapshotStore> {
  const target = spec ?? (env.DATABASE_URL || path.join(process.cwd(), '.scenarios', 'db'));
  if (target === 'memory') return new MemorySnapshotStore();
  const isUrl = /^postgres(ql)?:\/\//i.test(target);
  try {
    return isUrl ? await PostgresSnapshotStore.open({ connectionString: target }) : await PgliteSnapshotStore.open(target);
  } catch (error) {
    if (error instanceof ScenarioError) throw error;
    const name = isUrl ? redactUrl(target) : `pglite:${target}`;
    const reason = toError(error).message.split('\n', 1)[0] ?? '';
    throw new ScenarioError('store_unavailable', `cannot open store ${name}: ${reason}`, { cause: error });
  }
}
