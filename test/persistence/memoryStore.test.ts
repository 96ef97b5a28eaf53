import { MemorySnapshotStore } from '../../src/persistence/MemorySnapshotStore.ts';
import { snapshotStoreContract } from './snapshotStoreContract.ts';

snapshotStoreContract('MemorySnapshotStore', ({ now }) => Promise.resolve(new MemorySnapshotStore({ now })));
