import { expect, it } from 'vitest';
import { MemorySnapshotStore } from '../../src/persistence/MemorySnapshotStore.ts';
import { snapshotStoreContract } from './snapshotStoreContract.ts';

snapshotStoreContract('MemorySnapshotStore', ({ now }) => Promise.resolve(new MemorySnapshotStore({ now })));

it('calls itself "memory" in messages and listings', () => {
  expect(new MemorySnapshotStore().description).toBe('memory');
});
