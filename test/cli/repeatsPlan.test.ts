import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseRunOptions } from '../../src/cli/commands/run.ts';
import { plannedExperiment } from '../../src/cli/commands/runRepeats.ts';
import { ConfigError, UsageError } from '../../src/errors.ts';

const dir = mkdtempSync(join(tmpdir(), 'scenarios-plan-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const scenario = { name: 'a', inputSize: 8, timeBudgetSeconds: 60, memoryLimitMb: 512, errorTolerance: 0, skillParams: { batchSize: 2 }, expectedQuality: 'basic', qualityMetrics: ['accuracy'] };

function configFile(name: string, extra: object): string {
  const path = join(dir, `${name}.json`);
  writeFileSync(path, JSON.stringify({ seed: 3, scenarios: [scenario], ...extra }));
  return path;
}

describe('what scenarios run plans: an experiment or one run', () => {
  it('refuses a config that writes the run-written experiment field, naming it', async () => {
    const path = configFile('claims', { repeat: 2, experiment: { id: 'other', index: 1, of: 2, seed: 3 } });
    const refused = plannedExperiment(path, { format: 'text' }, dir);
    await expect(refused).rejects.toBeInstanceOf(ConfigError);
    await expect(refused).rejects.toThrow(/experiment: is written by scenarios run --repeat into each repeat's stored config: remove it/);
    // A plain run too: its stored config would claim to be a repeat.
    await expect(plannedExperiment(configFile('claims1', { experiment: { id: 'other', index: 1, of: 2, seed: 3 } }), { format: 'text' }, dir)).rejects.toBeInstanceOf(ConfigError);
  });

  it('refuses --same-data without repeats, and warns about a config sameData that one run ignores', async () => {
    const plain = configFile('plain', {});
    await expect(plannedExperiment(plain, { format: 'text', sameData: true }, dir)).rejects.toThrow(new UsageError('--same-data applies to repeats: use it with --repeat N (2 to 100), or leave it out for one run'));
    await expect(plannedExperiment(plain, { format: 'text', sameData: true, repeat: 1 }, dir)).rejects.toBeInstanceOf(UsageError);
    const warnings: string[] = [];
    const same = configFile('same', { sameData: true });
    expect(await plannedExperiment(same, { format: 'text' }, dir, (line) => warnings.push(line))).toBeUndefined();
    expect(warnings).toEqual([`sameData in ${same} is ignored: it applies to repeats, and this is one run (set "repeat" or --repeat N to 2 or more)`]);
    warnings.length = 0;
    expect(await plannedExperiment(same, { format: 'text', repeat: 2, id: 'e' }, dir, (line) => warnings.push(line))).toMatchObject({ id: 'e', repeats: 2, sameData: true });
    expect(warnings).toEqual([]);
  });

  it('reads --repeat=-3 (cac takes "--repeat -3" for an option -3) and refuses it with the range', () => {
    expect(() => parseRunOptions({ repeat: -3 })).toThrow('--repeat must be an integer from 1 to 100 (got -3)');
  });
});
