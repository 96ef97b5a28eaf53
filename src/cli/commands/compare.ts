import { compareStored } from '../../compare/compareStored.ts';
import { renderComparison } from '../../compare/renderComparison.ts';
import { ScenarioError, UsageError } from '../../errors.ts';
import { openExistingStore, storeName } from '../../persistence/openStore.ts';
import { storeOptions, type CliIO } from '../io.ts';
import { storeSpecFor } from '../runIndex.ts';

/**
 * `scenarios compare <a> <b>`: each a run id, an experiment id or a baseline name, read from one store (by
 * default the one either run was started with); per scenario both have, b − a with its CI and p.
 */
export async function compareCommand(a: string, b: string, raw: Record<string, unknown>, io: CliIO): Promise<number> {
  if (raw.db !== undefined && (typeof raw.db !== 'string' || raw.db === '')) throw new UsageError('--db needs a value: postgres://…, memory, or a folder');
  const explicit = typeof raw.db === 'string' ? raw.db : undefined;
  const spec = storeSpecFor(io.cwd, a, explicit) ?? storeSpecFor(io.cwd, b, undefined);
  const store = await openExistingStore(spec, io.env, storeOptions(io));
  if (!store) throw new ScenarioError('not_found', `no run, experiment or baseline "${a}" in ${storeName(spec, io.env, io.cwd)} (see scenarios list)`);
  try {
    const comparison = await compareStored(store, a, b);
    io.stdout.write(raw.json === true ? `${JSON.stringify(comparison, null, 2)}\n` : renderComparison(comparison));
    return 0;
  } finally {
    await store.close();
  }
}
