// Which CLI entry bin/scenarios.js runs: dist/ when it is current, else src/ through tsx. Plain JavaScript,
// as it runs before any TypeScript loader exists.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The built CLI's file when it may run: always in an installed package (which ships dist/ and cannot rebuild
 * it), and in a source checkout (tsconfig.build.json is there) only when dist/.built says the build started
 * after every file and folder under src/ last changed. Undefined means: run the sources through tsx.
 * Walking src/ costs about 1 ms (some 150 stats).
 * @param {string} root the package's folder
 * @returns {string | undefined}
 */
export function builtCliEntry(root) {
  const entry = path.join(root, 'dist', 'cli', 'index.js');
  if (!existsSync(entry)) return undefined;
  if (!existsSync(path.join(root, 'tsconfig.build.json'))) return entry;
  const startedAt = buildStartedAt(path.join(root, 'dist', '.built'));
  if (startedAt === undefined) return undefined;
  return changedSince(path.join(root, 'src'), startedAt) ? undefined : entry;
}

/** @param {string} stamp @returns {number | undefined} */
function buildStartedAt(stamp) {
  try {
    const { startedAt } = JSON.parse(readFileSync(stamp, 'utf8'));
    return typeof startedAt === 'number' ? startedAt : undefined;
  } catch {
    // No stamp (an older build, or one that did not finish): not known to be current.
    return undefined;
  }
}

/**
 * Whether anything under `dir` changed at or after `since` (ms): a file's content, or a folder's entries
 * (a file added, removed or renamed changes its folder's mtime).
 * @param {string} dir @param {number} since @returns {boolean}
 */
function changedSince(dir, since) {
  if (statSync(dir).mtimeMs >= since) return true;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory() ? changedSince(file, since) : statSync(file).mtimeMs >= since) return true;
  }
  return false;
}

export const packageRoot = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
