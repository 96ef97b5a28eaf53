import { requireFinished, resolveRef } from '../../compare/loadSide.ts';
import { ScenarioError, UsageError } from '../../errors.ts';
import { openExistingStore, storeName } from '../../persistence/openStore.ts';
import type { Baseline, SnapshotStore } from '../../persistence/SnapshotStore.ts';
import { isoFromEpochMs } from '../../report/format.ts';
import { storeOptions, type CliIO } from '../io.ts';
import { storeSpecFor } from '../runIndex.ts';
import { didYouMean } from '../suggest.ts';

const DEFAULT_NAME = 'main';
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.\-/]{0,63}$/;

const suggest = (action: string): string => {
  const near = didYouMean(action, ['save', 'list', 'delete']);
  return near === undefined ? '' : ` (did you mean "baseline ${near}"?)`;
};

const describe = (b: Pick<Baseline, 'kind' | 'ref'>) => `${b.kind} ${b.ref}`;

/** `scenarios baseline save <id> [--name main]`, `baseline list`, `baseline delete <name>`. */
export async function baselineCommand(action: string, target: string | undefined, raw: Record<string, unknown>, io: CliIO): Promise<number> {
  if (raw.db !== undefined && (typeof raw.db !== 'string' || raw.db === '')) throw new UsageError('--db needs a value: postgres://…, memory, or a folder');
  const explicit = typeof raw.db === 'string' ? raw.db : undefined;
  switch (action) {
    case 'save': {
      if (target === undefined) throw new UsageError('baseline save needs the run or experiment to save, e.g. scenarios baseline save orch-1a2b3c4d --name main');
      const name = raw.name === undefined ? DEFAULT_NAME : raw.name;
      if (typeof name !== 'string' || !NAME.test(name)) throw new UsageError('--name must be 1-64 letters, digits, "_", ".", "-" or "/", starting with a letter or digit');
      return withStore(storeSpecFor(io.cwd, target, explicit), io, `no run or experiment "${target}"`, async (store) => {
        const resolved = await resolveRef(store, target);
        if (resolved.ambiguity) io.stderr.write(`${resolved.ambiguity}\n`);
        await requireFinished(store, resolved);
        const replaced = await store.saveBaseline({ name, kind: resolved.kind, ref: resolved.id });
        const was = replaced ? ` (replaced ${describe(replaced)}, saved ${isoFromEpochMs(replaced.createdAt)})` : '';
        io.stdout.write(`saved baseline ${name}: ${describe(resolved)}${was}\n`);
        return 0;
      });
    }
    case 'list':
      if (target !== undefined) throw new UsageError(`baseline list takes no argument (got "${target}")`);
      return withStore(explicit, io, undefined, async (store) => {
        const baselines = await store.listBaselines();
        if (raw.json === true) io.stdout.write(`${JSON.stringify(baselines, null, 2)}\n`);
        else if (baselines.length === 0) io.stdout.write(`no baselines in ${store.description}\n`);
        else {
          const { plainTable } = await import('../table.ts');
          io.stdout.write(plainTable(['name', 'kind', 'ref', 'saved'], baselines.map((b) => [b.name, b.kind, b.ref, isoFromEpochMs(b.createdAt)])));
        }
        return 0;
      }, raw.json === true ? '[]' : undefined);
    case 'delete':
      if (target === undefined) throw new UsageError('baseline delete needs the baseline\'s name, e.g. scenarios baseline delete main');
      return withStore(explicit, io, `no baseline "${target}"`, async (store) => {
        if (!(await store.deleteBaseline(target))) throw new ScenarioError('not_found', `no baseline "${target}" in ${store.description} (see scenarios baseline list)`);
        io.stdout.write(`deleted baseline ${target}\n`);
        return 0;
      });
    default:
      throw new UsageError(`baseline ${action}: unknown action${suggest(action)}; use save, list or delete`);
  }
}

/**
 * Opens an existing store; creates none. Without a store there is nothing to save or delete (`missing`: a
 * not_found error, exit 2) and nothing to list (`empty`, or a sentence saying so).
 */
async function withStore(spec: string | undefined, io: CliIO, missing: string | undefined, use: (store: SnapshotStore) => Promise<number>, empty?: string): Promise<number> {
  const store = await openExistingStore(spec, io.env, storeOptions(io));
  if (!store) {
    const name = storeName(spec, io.env, io.cwd);
    if (missing !== undefined) throw new ScenarioError('not_found', `${missing} in ${name}`);
    io.stdout.write(`${empty ?? `no baselines in ${name}`}\n`);
    return 0;
  }
  try {
    return await use(store);
  } finally {
    await store.close();
  }
}
