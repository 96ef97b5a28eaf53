/**
 * JSON.stringify for inspection data, which can hold cycles (actor refs point at their parents) and
 * functions: cycles and anything deeper than `maxDepth` become markers instead of throwing.
 */
export function safeJson(value: unknown, maxDepth = 10): string {
  const seen = new WeakSet<object>();
  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v === 'function') return { type: (v as { name?: string }).name || 'function' };
    if (typeof v === 'bigint') return v.toString();
    if (v === null || typeof v !== 'object') return v;
    if (seen.has(v)) return '[circular]';
    if (depth >= maxDepth) return '[too deep]';
    const asJson = (v as { toJSON?: unknown }).toJSON;
    if (typeof asJson === 'function') return walk((asJson as () => unknown).call(v), depth);
    seen.add(v);
    const out: unknown = Array.isArray(v) ? v.map((item) => walk(item, depth + 1)) : Object.fromEntries(Object.entries(v).map(([k, item]) => [k, walk(item, depth + 1)]));
    seen.delete(v);
    return out;
  };
  return JSON.stringify(walk(value, 0)) ?? 'null';
}
