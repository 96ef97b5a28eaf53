import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { defineSkill } from '../../src/actors/skill.ts';
import { createDurableOrchestration, resumeOrchestration } from '../../src/api/durableOrchestration.ts';
import { ScenarioError } from '../../src/errors.ts';
import { MemorySnapshotStore } from '../../src/persistence/MemorySnapshotStore.ts';
import { dataFolder, jsonLines, labelledRows, scenarioOver } from './datasetFiles.ts';

interface Row {
  id: number;
  text: string;
  label: string;
}

const folder = dataFolder();
const scenario = (name: string, file: string) => scenarioOver(name, { dataset: { file } });

describe('a dataset file written to in place while a durable run reads it', () => {
  it('stops the run (dataset_changed, saved as paused) before the skill sees an edited record; put back, the run resumes to the end', async () => {
    const text = jsonLines(labelledRows(100));
    const path = folder.write('edited.jsonl', text);
    const store = new MemorySnapshotStore();
    const seen: string[] = [];
    const skill = defineSkill<Row>({
      name: 'edits-its-file',
      version: '1',
      run: (rows, ctx) => {
        seen.push(...rows.map((row) => row.text));
        if (ctx.batchIndex === 2) {
          // The same number of bytes at the same offset: the file's size does not change.
          const fd = openSync(path, 'r+');
          writeSync(fd, 'XXX 50', readFileSync(path).indexOf('row 50'));
          closeSync(fd);
        }
        return { qualityScore: 1 };
      },
    });
    const run = await createDurableOrchestration({ seed: 1, scenarios: [scenario('a', path)] }, { store, id: 'edited', skill });
    run.start();
    const outcome = await run.outcome;
    if (outcome.kind !== 'error') throw new Error(`expected the run to stop as an error, got ${outcome.kind}`);
    expect(outcome.error).toBeInstanceOf(ScenarioError);
    expect((outcome.error as ScenarioError).code).toBe('dataset_changed');
    expect(outcome.error.message).toContain(`dataset file ${path} changed while the run read it: it was written to at`);
    expect((await store.load('edited'))?.status).toBe('paused');
    expect(seen.filter((line) => line.startsWith('XXX'))).toEqual([]);

    // Edited, the file is refused on resume by its content; put back, the run goes on and finishes.
    const refused = (await resumeOrchestration('edited', { store, skill }).catch((e: unknown) => e)) as ScenarioError;
    expect(refused.code).toBe('dataset_changed');
    expect(refused.message).toContain('its content differs');
    folder.write('edited.jsonl', text);
    const resumed = await resumeOrchestration('edited', { store, skill });
    const finished = await resumed.outcome;
    expect(finished.kind === 'finished' && finished.report.scenarios['a']).toMatchObject({ status: 'complete', itemsProcessed: 100 });
    expect(seen.filter((line) => line.startsWith('XXX'))).toEqual([]);
    expect(new Set(seen).size).toBe(100);
  });
});
