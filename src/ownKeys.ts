import { z } from 'zod';

/**
 * Records keyed by names users choose (scenarios, quality metrics, skill params). Such a name may be
 * `toString`, `constructor` or `__proto__`: on a plain object the first two read as Object.prototype's
 * functions, and assigning the last replaces the prototype instead of adding a key. So every read goes
 * through `ownValue` (own properties only), and every write through `setOwn` or into a null-prototype record.
 * Records restored from JSON or structuredClone are plain objects again, which is why reads check even then.
 */

/** A record with no prototype: any key, `__proto__` included, is an ordinary own property. */
export function emptyRecord<V>(): Record<string, V> {
  return Object.create(null) as Record<string, V>;
}

/** The value stored under `key` itself, never one inherited from Object.prototype. */
export function ownValue<V>(record: Readonly<Record<string, V>>, key: string): V | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

/** Sets `key` as an own data property, `__proto__` too (which plain assignment would take as the prototype). */
export function setOwn<V>(record: Record<string, V>, key: string, value: V): void {
  if (key === '__proto__') Object.defineProperty(record, key, { value, writable: true, enumerable: true, configurable: true });
  else record[key] = value;
}

/** A null-prototype copy of `record` (own enumerable keys, `__proto__` included). */
export function copyRecord<V>(record: Readonly<Record<string, V>>): Record<string, V> {
  return Object.assign(emptyRecord<V>(), record);
}

/** Like Object.fromEntries, into a null-prototype record. */
export function recordFromEntries<V>(entries: Iterable<readonly [string, V]>): Record<string, V> {
  const out = emptyRecord<V>();
  for (const [key, value] of entries) out[key] = value;
  return out;
}

const isObject = (input: unknown): input is Record<string, unknown> => typeof input === 'object' && input !== null && !Array.isArray(input);

/**
 * `z.record(z.string(), value)` that keeps every key: zod's record (and looseObject) silently drops a
 * `__proto__` key. Parses into a null-prototype record; a value's problems keep their path under its key.
 */
export function ownRecord<V extends z.ZodType>(value: V) {
  return z
    .custom<Record<string, z.input<V>>>(isObject, { error: 'must be an object' })
    .transform((input, ctx) => {
      const out = emptyRecord<z.output<V>>();
      for (const key of Object.keys(input)) {
        const parsed = value.safeParse(input[key]);
        if (parsed.success) out[key] = parsed.data;
        else for (const issue of parsed.error.issues) ctx.addIssue({ code: 'custom', message: issue.message, path: [key, ...issue.path], input: input[key] });
      }
      return out;
    });
}
