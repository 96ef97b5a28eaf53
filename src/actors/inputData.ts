import type { GeneratedDataset } from '../config/schema.ts';
import { randomFor } from './seededRandom.ts';

/** One test input item, as in the seed: an id and a value in [0, 1). */
export interface InputItem {
  id: number;
  value: number;
}

/**
 * Items [start, start + count) of a scenario's input. Each item is derived from (seed, scenario, id) alone,
 * so a batch regenerates identically in any process. `skewed` squares a uniform draw, the seed's
 * stand-in for a long-tailed distribution (most values small, few large).
 */
export function generateItems(seed: number, scenario: string, dataset: GeneratedDataset, start: number, count: number): InputItem[] {
  const items: InputItem[] = new Array<InputItem>(count);
  for (let i = 0; i < count; i++) {
    const id = start + i;
    const u = randomFor(seed, scenario, id)();
    items[i] = { id, value: dataset.distribution === 'skewed' ? u * u : u };
  }
  return items;
}
