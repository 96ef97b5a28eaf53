import { experimentLines, findExperimentRuns, listExperiments } from '../../api/experiments.ts';
import { loadStoredRun } from '../../api/storedRun.ts';
import { isoFromEpochMs } from '../../report/format.ts';
import { openExistingStore, storeName } from '../../persistence/openStore.ts';
import { ScenarioError } from '../../errors.ts';
import { driverState } from '../../persistence/leaseKeeper.ts';
import type { SnapshotStore } from '../../persistence/SnapshotStore.ts';
import { parseFormat, writeReport } from '../driveInTerminal.ts';
import { storeOptions, type CliIO } from '../io.ts';
import { storeSpecFor } from '../runIndex.ts';

/**
 * Opens the store for a read-only command; with a run id, the store that run was started with is the
 * default. Creates nothing: without a store there are no runs (`list`) or no such run (`id`, exit 2).
 */
async function withStore<T>(raw: Record<string, unknown>, io: CliIO, use: (store: SnapshotStore) => Promise<T>, id?: string): Promise<T | number> {
  const explicit = typeof raw.db === 'string' ? raw.db : undefined;
  const spec = id === undefined ? explicit : storeSpecFor(io.cwd, id, explicit);
  const store = await openExistingStore(spec, io.env, storeOptions(io));
  if (!store) {
    const name = storeName(spec, io.env, io.cwd);
    if (id !== undefined) throw new ScenarioError('not_found', `no orchestration "${id}" in ${name} (see scenarios list)`);
    io.stdout.write(raw.json === true ? '[]\n' : `no orchestrations in ${name}\n`);
    return 0;
  }
  try {
    return await use(store);
  } finally {
    await store.close();
  }
}

// cli-table3, only for the text tables of list and status (`report` and --json print none).
const tables = () => import('../table.ts');

const iso = (ms: number | null) => (ms === null ? '-' : isoFromEpochMs(ms));

export function listCommand(raw: Record<string, unknown>, io: CliIO): Promise<number> {
  return withStore(raw, io, async (store) => {
    const rows = await store.list();
    // Runs of `scenarios run --repeat` are the rows E.r1…E.rN; each experiment gets an entry (a line) of its own.
    const experiments = await listExperiments(store, rows);
    if (raw.json === true) {
      io.stdout.write(`${JSON.stringify([...rows.map((row) => ({ kind: 'run', ...row })), ...experiments], null, 2)}\n`);
      return 0;
    }
    if (rows.length === 0) {
      io.stdout.write(`no orchestrations in ${store.description}\n`);
      return 0;
    }
    const table = rows.map((r) => {
      const state = driverState(r, { exclusive: store.exclusive === true });
      const driver = state === 'live' ? `driven by ${r.owner}` : state === 'gone' ? `driver ${r.owner} is gone` : '';
      return [r.id, r.status, r.skill, iso(r.updatedAt), driver];
    });
    io.stdout.write((await tables()).plainTable(['id', 'status', 'skill', 'updated', 'driver'], table));
    for (const line of experimentLines(experiments)) io.stdout.write(`${line}\n`);
    return 0;
  });
}

export function statusCommand(id: string, raw: Record<string, unknown>, io: CliIO): Promise<number> {
  return withStore(raw, io, async (store) => {
    // An experiment's id (scenarios run --repeat): where each of its repeats stands.
    if (!(await store.load(id)) && (await findExperimentRuns(store, id)).length > 0) return (await import('./runRepeats.ts')).statusExperiment(store, id, raw.json === true, io);
    const run = await loadStoredRun(store, id);
    if (raw.json === true) {
      const { id: runId, status, owner, leaseExpiresAt, updatedAt, progress, barriers } = run;
      const driver = driverState(run, { exclusive: store.exclusive === true });
      io.stdout.write(`${JSON.stringify({ id: runId, status, owner, leaseExpiresAt, driver, updatedAt, progress, barriers }, null, 2)}\n`);
      return 0;
    }
    // Lease time left comes from the store's clock; a driver that died on this host is named as gone.
    const state = driverState(run, { exclusive: store.exclusive === true });
    const driver =
      state === 'live'
        ? `, driven by ${run.owner}`
        : state === 'gone'
          ? `, driver ${run.owner} is gone (its process has exited; scenarios resume ${run.id} takes over at once)`
          : '';
    // Saved as running by a driver that no longer drives it (killed, or stopped by a store outage it could
    // not save through): nothing runs it, and resume continues it, so it is paused.
    const stranded = run.status === 'running' && state !== 'live';
    io.stdout.write(`${run.id}: ${stranded ? 'paused' : run.status}${driver}, last saved ${iso(run.updatedAt)}${stranded && state === 'none' ? `; nothing drives it (scenarios resume ${run.id} continues it)` : ''}\n`);
    const rows = run.progress.map((p) => [
      p.name,
      p.failureReason ? `${p.status} (${p.failureReason})` : stranded && p.status === 'running' ? 'paused' : p.status,
      `${p.progressPct.toFixed(1)}%`,
      `${p.itemsProcessed + p.itemsFailed}/${p.inputSize}`,
      `${p.batchCount}/${p.batchesTotal}`,
      p.currentMilestone === null ? '-' : `${p.currentMilestone}%`,
    ]);
    io.stdout.write((await tables()).plainTable(['scenario', 'status', 'progress', 'items', 'batches', 'milestone'], rows, { align: ['left', 'left', 'right', 'right', 'right', 'right'], indent: '  ' }));
    for (const b of run.barriers) io.stdout.write(`  barrier ${b.milestone}%: released by ${b.releasedBy}${b.late.length ? `, late: ${b.late.join(', ')}` : ''}\n`);
    return 0;
  }, id);
}

export function reportCommand(id: string, raw: Record<string, unknown>, io: CliIO): Promise<number> {
  const format = parseFormat(raw);
  return withStore(raw, io, async (store) => {
    // An experiment's id (scenarios run --repeat): the experiment report over its repeats.
    if (!(await store.load(id)) && (await findExperimentRuns(store, id)).length > 0) return (await import('./runRepeats.ts')).reportExperiment(store, id, format, io);
    const run = await loadStoredRun(store, id);
    await writeReport(io, run.report, format, store);
    return 0;
  }, id);
}
