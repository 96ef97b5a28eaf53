import { roundTo } from './round.ts';

/** ISO 8601 for a recorded epoch-ms timestamp. */
export function isoFromEpochMs(ms: number): string {
  // eslint-disable-next-line no-restricted-globals -- formatting a given timestamp is deterministic
  return new Date(ms).toISOString();
}

/** Milliseconds for people: "850 ms" below one second, "12.34 s" above. */
export function formatMs(ms: number): string {
  return Math.abs(ms) < 1000 ? `${roundTo(ms, 1)} ms` : `${roundTo(ms / 1000, 2)} s`;
}

/** A ratio (0.05) as a percentage ("5%"). */
export function formatPercent(ratio: number): string {
  return `${roundTo(ratio * 100, 1)}%`;
}

export function formatNumber(value: number, decimals = 3): string {
  return String(roundTo(value, decimals));
}

/** A fitted estimate in prose: "about 2.579", "about −0.868" (a real minus sign: "~-0.868" does not read as a number). */
export function formatApprox(value: number, decimals = 3): string {
  const rounded = roundTo(value, decimals);
  return `about ${rounded < 0 ? `−${String(-rounded)}` : String(rounded)}`;
}

/** "a", "a and b", "a, b and c": scenario lists read as prose in recommendations. */
export function listInProse(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1] ?? ''}`;
}
