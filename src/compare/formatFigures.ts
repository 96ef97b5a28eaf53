import { roundTo } from '../report/round.ts';
import type { FigureComparison } from './schema.ts';

/** A figure's value as its unit reads best: scores to 4 decimals, times to 3, throughput to 1. */
export function formatValue(value: number, unit: FigureComparison['unit'], signed = false): string {
  const decimals = unit === 'score' ? 4 : unit === 'ms/item' ? 3 : 1;
  const text = String(roundTo(value, decimals));
  return signed && value > 0 ? `+${text}` : text;
}

export function formatRelative(relative: number | null): string {
  if (relative === null) return '-';
  const pct = roundTo(relative * 100, 1);
  return `${pct > 0 ? '+' : ''}${pct}%`;
}

export function formatP(p: number | null): string {
  if (p === null) return '-';
  return p < 0.001 ? '<0.001' : String(roundTo(p, 3));
}
