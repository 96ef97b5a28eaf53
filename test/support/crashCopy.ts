import { MemorySnapshotStore } from '../../src/persistence/MemorySnapshotStore.ts';

/**
 * What a crash (SIGKILL) leaves behind: the stored row and journal as they are at this moment, and no
 * process holding the lease. The copy's `updatedAt` is now (its clock's), so a resume measures the
 * downtime from here.
 */
export async function copyAtCrash(from: MemorySnapshotStore, id: string, names: string[]): Promise<MemorySnapshotStore> {
  const row = await from.load(id);
  if (!row) throw new Error('no row');
  const to = new MemorySnapshotStore();
  await to.create({ ...row, owner: null, leaseExpiresAt: null });
  // Bring the copy to the same version, so the resumed writer's optimistic check starts where the row is.
  for (let v = 0; v < row.version; v++) await to.save(id, { snapshot: row.snapshot, status: row.status, expectedVersion: v });
  for (const name of names) for (const batch of await from.loadBatches(id, name, 0)) await to.recordBatch(batch);
  return to;
}
