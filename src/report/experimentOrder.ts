/**
 * Repeat k of an experiment starts its scenarios in the config's order rotated left by k − 1, so no scenario
 * is always the first to start, to take a slot of `maxConcurrency` or to be released from a barrier: drift over
 * the experiment (a machine warming up or getting busier) does not favour one scenario.
 */
export function startOrder<T>(items: readonly T[], index: number): T[] {
  if (items.length === 0) return [];
  const shift = (index - 1) % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}

/** The config's order back from repeat `index`'s start order (the inverse of startOrder). */
export function configOrder<T>(items: readonly T[], index: number): T[] {
  if (items.length === 0) return [];
  const shift = (index - 1) % items.length;
  return startOrder(items, items.length - shift + 1);
}
