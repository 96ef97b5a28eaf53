import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createOrchestration } from '../../src/api/createOrchestration.ts';
import { createDurableOrchestration } from '../../src/api/durableOrchestration.ts';
import { loadStoredRun } from '../../src/api/storedRun.ts';
import { loadConfigFile } from '../../src/config/loadConfigFile.ts';
import { requireInputSizes } from '../../src/config/parseConfig.ts';
import { MemorySnapshotStore } from '../../src/persistence/MemorySnapshotStore.ts';
import { renderMarkdown } from '../../src/report/renderMarkdown.ts';
import { renderText } from '../../src/report/renderText.ts';

const template = {
  timeBudgetSeconds: 60,
  memoryLimitMb: 512,
  errorTolerance: 0,
  expectedQuality: 'basic' as const,
  qualityMetrics: ['accuracy'],
  skillParams: { batchSize: 10 },
};
const fast = { seed: 5, skill: { name: 'simulated', params: { latencyMs: 0 } }, barriers: { at: [], timeoutMs: 1_000 } };

const dir = mkdtempSync(join(tmpdir(), 'scenarios-matrix-report-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the report of a scenario matrix', () => {
  it("knows each scenario's values and lists the scenarios sorted by them, a hand-written one among them", async () => {
    const run = createOrchestration({
      ...fast,
      template: { ...template, inputSize: 40 },
      matrix: { 'skillParams.batchSize': [20, 5], inputSize: [40, 20] },
      scenarios: [{ ...template, name: 'mine', inputSize: 30, skillParams: { batchSize: 10 } }],
    });
    run.start();
    const report = await run.result;
    expect(report.matrix).toEqual({
      parameters: ['skillParams.batchSize', 'inputSize'],
      values: {
        mine: { 'skillParams.batchSize': 10, inputSize: 30 },
        'batchSize-20_inputSize-40': { 'skillParams.batchSize': 20, inputSize: 40 },
        'batchSize-20_inputSize-20': { 'skillParams.batchSize': 20, inputSize: 20 },
        'batchSize-5_inputSize-40': { 'skillParams.batchSize': 5, inputSize: 40 },
        'batchSize-5_inputSize-20': { 'skillParams.batchSize': 5, inputSize: 20 },
      },
    });
    const text = renderText(report);
    const section = text.slice(text.indexOf('Matrix (by batchSize, then inputSize)'));
    const rows = section.split('\n').slice(1, 7).map((line) => line.trim().split(/\s+/).slice(0, 4));
    expect(rows).toEqual([
      ['batchSize', 'inputSize', 'Scenario', 'Status'],
      ['5', '20', 'batchSize-5_inputSize-20', 'complete'],
      ['5', '40', 'batchSize-5_inputSize-40', 'complete'],
      ['10', '30', 'mine', 'complete'],
      ['20', '20', 'batchSize-20_inputSize-20', 'complete'],
      ['20', '40', 'batchSize-20_inputSize-40', 'complete'],
    ]);
    expect(renderMarkdown(report)).toContain('### Matrix (by batchSize, then inputSize)\n\n| batchSize | inputSize | Scenario | Status | Items | Busy per item | Overall quality |\n| --- | --- | --- | --- | --- | --- | --- |\n| 5 | 20 | batchSize-5_inputSize-20 | complete | 20 |');
  });

  it('has no matrix part for a config without one', async () => {
    const run = createOrchestration({ ...fast, scenarios: [{ ...template, name: 'only', inputSize: 10 }] });
    run.start();
    const report = await run.result;
    expect(report).not.toHaveProperty('matrix');
    expect(renderText(report)).not.toContain('Matrix');
    expect(renderMarkdown(report)).not.toContain('Matrix');
  });

  it('varies dataset files named relative to the config, and a stored run rebuilds the same grouping', async () => {
    const lines = (count: number) => Array.from({ length: count }, (_, i) => JSON.stringify({ id: i, text: `item ${i}` })).join('\n') + '\n';
    writeFileSync(join(dir, 'small.jsonl'), lines(20));
    writeFileSync(join(dir, 'large.jsonl'), lines(60));
    writeFileSync(
      join(dir, 'files.jsonc'),
      JSON.stringify({ ...fast, template, matrix: { 'dataset.file': ['large.jsonl', 'small.jsonl'], 'skillParams.batchSize': [10, 20] } }),
    );
    const config = await loadConfigFile('files.jsonc', dir);
    const store = new MemorySnapshotStore();
    const run = await createDurableOrchestration(config, { store, id: 'orch-matrix' });
    run.start();
    const report = await run.result;
    expect(Object.entries(report.scenarios).map(([name, s]) => [name, s.status, s.itemsProcessed])).toEqual([
      ['file-large_batchSize-10', 'complete', 60],
      ['file-large_batchSize-20', 'complete', 60],
      ['file-small_batchSize-10', 'complete', 20],
      ['file-small_batchSize-20', 'complete', 20],
    ]);
    expect(report.matrix?.values['file-small_batchSize-20']).toEqual({ 'dataset.file': join(dir, 'small.jsonl'), 'skillParams.batchSize': 20 });
    expect(renderText(report)).toMatch(/Matrix \(by file, then batchSize\)\n\s+file\s+batchSize\s+Scenario.*\n\s+large\s+10\s+file-large_batchSize-10/);

    const stored = await loadStoredRun(store, 'orch-matrix');
    expect(stored.report.matrix).toEqual(report.matrix);
    // The stored config keeps the matrix and the scenarios it made; reading it again expands nothing.
    expect(requireInputSizes(stored.config).scenarios.map((s) => s.name)).toEqual(Object.keys(report.scenarios));
  });
});
