import type { ScenarioDefinitionInput } from '../../src/config/schema.ts';
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

/** A scenario with every required field but its data, which `overrides` gives (usually `dataset: { file }`). */
export const scenarioOver = (name: string, overrides: Partial<ScenarioDefinitionInput>): ScenarioDefinitionInput => ({
  name,
  timeBudgetSeconds: 60,
  memoryLimitMb: 512,
  errorTolerance: 0,
  skillParams: { batchSize: 10 },
  expectedQuality: 'basic',
  qualityMetrics: ['accuracy'],
  ...overrides,
});
