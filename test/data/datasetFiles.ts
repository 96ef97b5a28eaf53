import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

/** A temp folder for a test file's dataset files, removed after its tests. */
export function dataFolder(): { dir: string; write(name: string, text: string): string } {
  const dir = mkdtempSync(join(tmpdir(), 'scenarios-data-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return {
    dir,
    write(name, text) {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    },
  };
}

/** `count` labelled rows `{ id, text, label }`, as JSON lines. */
export function labelledRows(count: number, prefix = 'row'): { id: number; text: string; label: string }[] {
  return Array.from({ length: count }, (_, id) => ({ id, text: `${prefix} ${id}`, label: id % 3 === 0 ? 'spam' : 'ham' }));
}

export const jsonLines = (rows: readonly unknown[]) => rows.map((row) => JSON.stringify(row)).join('\n') + '\n';
