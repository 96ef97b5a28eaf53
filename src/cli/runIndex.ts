import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';

/**
 * Remembers which store each run was started with (`--db`), in `.scenarios/runs.json` under the working
 * directory, so `scenarios resume ID` finds the run without repeating `--db`. Only explicit `--db` values
 * are kept: without one, the store comes from DATABASE_URL or the default folder on every command alike.
 */
const indexPath = (cwd: string) => join(cwd, '.scenarios', 'runs.json');

/**
 * The recorded stores by run id. A Map, not a plain object: ids such as `toString`, `constructor` or
 * `__proto__` must not find Object.prototype's members (or set the prototype).
 */
function readIndex(cwd: string): Map<string, string> {
  try {
    const parsed: unknown = JSON.parse(readFileSync(indexPath(cwd), 'utf8'));
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return new Map();
    return new Map(Object.entries(parsed).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
  } catch {
    return new Map();
  }
}

export function rememberRunStore(cwd: string, id: string, spec: string | undefined): void {
  if (spec === undefined || spec === 'memory') return;
  const stored = /^postgres(ql)?:\/\//i.test(spec) || isAbsolute(spec) ? spec : resolve(cwd, spec);
  const index = readIndex(cwd).set(id, stored);
  try {
    mkdirSync(dirname(indexPath(cwd)), { recursive: true });
    // Object.fromEntries defines own properties, so even "__proto__" is written as an ordinary key.
    writeFileSync(indexPath(cwd), `${JSON.stringify(Object.fromEntries(index), null, 2)}\n`);
  } catch {
    // Only a convenience: a read-only working directory must not stop the run.
  }
}

/** The store to use for `id`: an explicit `--db` wins, then the one recorded when the run started. */
export function storeSpecFor(cwd: string, id: string, explicit: string | undefined): string | undefined {
  return explicit ?? readIndex(cwd).get(id);
}
