import { loadStoredRun } from '../../api/storedRun.ts';
import { isoFromEpochMs } from '../../report/format.ts';
import { openStore } from '../../persistence/openStore.ts';
import type { SnapshotStore } from '../../persistence/SnapshotStore.ts';
import { parseFormat, renderReport } from '../driveInTerminal.ts';
import type { CliIO } from '../io.ts';
import { storeSpecFor } from '../runIndex.ts';

/** Opens the store for a command; with a run id, the store that run was started with is the default. */
async function withStore<T>(raw: Record<string, unknown>, io: CliIO, use: (store: SnapshotStore) => Promise<T>, id?: string): Promise<T> {
  const explicit = typeof raw.db === 'string' ? raw.db : undefined;
  const store = await openStore(id === undefined ? explicit : storeSpecFor(io.cwd, id, explicit), io.env);
  try {
    return await use(store);
  } finally {
    await store.close();
  }
}

const iso = (ms: number | null) => (ms === null ? '-' : isoFromEpochMs(ms));

export function listCommand(raw: Record<string, unknown>, io: CliIO): Promise<number> {
  return withStore(raw, io, async (store) => {
    const rows = await store.list();
    if (raw.json === true) {
      io.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      return 0;
    }
    if (rows.length === 0) {
      io.stdout.write(`no orchestrations in ${store.description}\n`);
      return 0;
    }
    for (const r of rows) {
      const driver = r.owner && r.leaseExpiresAt !== null && r.leaseExpiresAt > Date.now() ? ` (driven by ${r.owner})` : '';
      io.stdout.write(`${r.id}  ${r.status.padEnd(8)}  ${r.skill}  updated ${iso(r.updatedAt)}${driver}\n`);
    }
    return 0;
  });
}

export function statusCommand(id: string, raw: Record<string, unknown>, io: CliIO): Promise<number> {
  return withStore(raw, io, async (store) => {
    const run = await loadStoredRun(store, id);
    if (raw.json === true) {
      const { id: runId, status, owner, leaseExpiresAt, updatedAt, progress, barriers } = run;
      io.stdout.write(`${JSON.stringify({ id: runId, status, owner, leaseExpiresAt, updatedAt, progress, barriers }, null, 2)}\n`);
      return 0;
    }
    const live = run.owner && run.leaseExpiresAt !== null && run.leaseExpiresAt > Date.now();
    io.stdout.write(`${run.id}: ${run.status}${live ? `, driven by ${run.owner}` : ''}, last saved ${iso(run.updatedAt)}\n`);
    for (const p of run.progress) {
      io.stdout.write(
        `  ${p.name.padEnd(12)} ${p.status.padEnd(8)} ${p.progressPct.toFixed(1).padStart(5)}%  ${p.itemsProcessed + p.itemsFailed}/${p.inputSize} items  ${p.batchCount}/${p.batchesTotal} batches  milestone ${p.currentMilestone ?? '-'}${p.failureReason ? `  (${p.failureReason})` : ''}\n`,
      );
    }
    for (const b of run.barriers) io.stdout.write(`  barrier ${b.milestone}%: released by ${b.releasedBy}${b.late.length ? `, late: ${b.late.join(', ')}` : ''}\n`);
    return 0;
  }, id);
}

export function reportCommand(id: string, raw: Record<string, unknown>, io: CliIO): Promise<number> {
  const format = parseFormat(raw);
  return withStore(raw, io, async (store) => {
    const run = await loadStoredRun(store, id);
    io.stdout.write(renderReport(run.report, format));
    return 0;
  }, id);
}
