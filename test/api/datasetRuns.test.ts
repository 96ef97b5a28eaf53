import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, expectTypeOf, it } from 'vitest';
import { createOrchestration } from '../../src/api/createOrchestration.ts';
import { createDurableOrchestration, resumeOrchestration } from '../../src/api/durableOrchestration.ts';
import { defineSkill, type Skill } from '../../src/actors/skill.ts';
import type { OrchestrationConfigInput, ScenarioDefinitionInput } from '../../src/config/schema.ts';
import { openDatasets } from '../../src/data/openDatasets.ts';
import { ScenarioError, UsageError } from '../../src/errors.ts';
import { MemorySnapshotStore } from '../../src/persistence/MemorySnapshotStore.ts';
import { openStore } from '../../src/persistence/openStore.ts';
import { dataFolder, jsonLines, labelledRows, scenarioOver } from '../data/datasetFiles.ts';

interface Row {
  id: number;
  text: string;
  label: string;
}

const folder = dataFolder();
const scenario = scenarioOver;
const configOf = (...scenarios: ScenarioDefinitionInput[]): OrchestrationConfigInput => ({ seed: 3, barriers: { at: [], timeoutMs: 1_000 }, scenarios });

/** Guesses "spam" for texts whose number is even: right on a known share of labelledRows. */
const classify = defineSkill<Row>({
  name: 'classify',
  version: '1.0.0',
  run(items) {
    const right = items.filter((row) => (Number(row.text.split(' ').at(-1)) % 2 === 0 ? 'spam' : 'ham') === row.label).length;
    return { qualityScore: right / items.length };
  },
});
const expectedAccuracy = (rows: readonly Row[]) => rows.filter((row) => (row.id % 2 === 0 ? 'spam' : 'ham') === row.label).length / rows.length;

describe('a skill over the records of dataset files', () => {
  it("runs every record of JSONL and CSV files, typed as the skill's rows, scored by the skill", async () => {
    const rows = labelledRows(120);
    folder.write('rows.jsonl', jsonLines(rows));
    folder.write('rows.csv', 'id,text,label\n' + rows.map((r) => `${r.id},"${r.text}",${r.label}`).join('\n') + '\n');
    const datasets = await openDatasets(configOf(scenario('jsonl', { dataset: { file: 'rows.jsonl' } }), scenario('csv', { dataset: { file: 'rows.csv' }, inputSize: 50 })), { cwd: folder.dir });
    const run = createOrchestration(datasets.config, { skill: classify, datasets });
    run.start();
    const report = await run.result;
    datasets.close();
    expect(report.scenarios['jsonl']).toMatchObject({ status: 'complete', itemsProcessed: 120, batchCount: 12 });
    expect(report.scenarios['jsonl']?.qualityScores['accuracy']).toBeCloseTo(expectedAccuracy(rows), 10);
    expect(report.scenarios['csv']).toMatchObject({ status: 'complete', itemsProcessed: 50 });
    expect(report.scenarios['csv']?.qualityScores['accuracy']).toBeCloseTo(expectedAccuracy(rows.slice(0, 50)), 10);
  });

  it('refuses a config that reads a file when no datasets were opened for it', () => {
    const config = configOf(scenario('a', { dataset: { file: 'rows.jsonl' }, inputSize: 10 }));
    expect(() => createOrchestration(config, { skill: classify })).toThrow(UsageError);
    expect(() => createOrchestration(config, { skill: classify })).toThrow('scenario "a" reads a dataset file, but no datasets were given');
  });

  it("typechecks a skill over the user's own row type, and refuses one whose rows do not fit (tsc checks this file)", () => {
    const skill: Skill<{ text: string; label: string }> = { name: 's', version: '1', run: (items) => ({ qualityScore: items[0]?.label === 'x' ? 1 : 0 }) };
    expectTypeOf(createOrchestration(configOf(scenario('a', { inputSize: 1 })), { skill }).skill).toEqualTypeOf<Skill<{ text: string; label: string }>>();
    expectTypeOf(createDurableOrchestration<{ text: string; label: string }>).parameter(1).toMatchTypeOf<{ skill?: Skill<{ text: string; label: string }> }>();
    expectTypeOf(resumeOrchestration<{ text: string; label: string }>).parameter(1).toMatchTypeOf<{ skill?: Skill<{ text: string; label: string }> }>();
    // @ts-expect-error a skill over rows is not a skill over other rows
    const wrong: Skill<{ text: string; label: string }> = { name: 's', version: '1', run: (items: { id: number; value: number }[]) => ({ qualityScore: items.length }) };
    expect(wrong.name).toBe('s');
  });
});

describe('durable runs over dataset files', () => {
  const dbDir = mkdtempSync(join(tmpdir(), 'scenarios-datasets-db-'));
  afterAll(() => rmSync(dbDir, { recursive: true, force: true }));

  it('record fingerprints and input sizes in the stored config, resume an unchanged file, and refuse a changed one', async () => {
    const path = folder.write('durable.jsonl', jsonLines(labelledRows(40)));
    const store = await openStore(join(dbDir, 'pglite'));
    try {
      const first = await createDurableOrchestration(configOf(scenario('a', { dataset: { file: path } })), { store, id: 'unchanged', skill: classify });
      await first.interrupt();
      const stored = await store.load('unchanged');
      expect(stored?.config).toMatchObject({ scenarios: [{ inputSize: 40, dataset: { file: path, fingerprint: { records: 40 } } }] });
      const resumed = await resumeOrchestration('unchanged', { store, skill: classify });
      const outcome = await resumed.outcome;
      expect(outcome.kind === 'finished' && outcome.report.scenarios['a']?.itemsProcessed).toBe(40);

      const second = await createDurableOrchestration(configOf(scenario('a', { dataset: { file: path } })), { store, id: 'changed', skill: classify });
      await second.interrupt();
      folder.write('durable.jsonl', jsonLines(labelledRows(41)));
      const error = (await resumeOrchestration('changed', { store, skill: classify }).catch((e: unknown) => e)) as ScenarioError;
      expect(error).toBeInstanceOf(ScenarioError);
      expect(error.code, error.message).toBe("dataset_changed");
      expect(error.message).toMatch(new RegExp(`dataset file ${path} of scenario "a" changed since the run started: its size went from [\\d,]+ to [\\d,]+ bytes; its record count went from 40 to 41`));
      expect((await store.load('changed'))?.status).toBe('paused');
    } finally {
      await store.close();
    }
  });

  it('a malformed record refuses the run before anything is stored or run', async () => {
    const path = folder.write('malformed.jsonl', jsonLines(labelledRows(30)).replace('"id":12,', '"id":12'));
    const store = new MemorySnapshotStore();
    let calls = 0;
    const skill = defineSkill<Row>({ name: 'counting', version: '1', run: () => ((calls += 1), { qualityScore: 1 }) });
    const error = (await createDurableOrchestration(configOf(scenario('a', { dataset: { file: path } })), { store, id: 'malformed', skill }).catch((e: unknown) => e)) as ScenarioError;
    expect(error.code).toBe('dataset_invalid');
    expect(error.message).toContain(`dataset file ${path}, line 13: not valid JSON`);
    expect(await store.load('malformed')).toBeUndefined();
    expect(calls).toBe(0);
  });

  it('a file that changes while the run reads it stops the run as an error, saved as paused (not as a store outage)', async () => {
    const path = folder.write('shrinking.jsonl', jsonLines(labelledRows(100)));
    const store = new MemorySnapshotStore();
    const skill = defineSkill<Row>({
      name: 'shrinks-its-file',
      version: '1',
      run: (_rows, ctx) => {
        if (ctx.batchIndex === 2) folder.write('shrinking.jsonl', jsonLines(labelledRows(25)));
        return { qualityScore: 1 };
      },
    });
    const run = await createDurableOrchestration(configOf(scenario('a', { dataset: { file: path } })), { store, id: 'shrinking', skill });
    run.start();
    const outcome = await run.outcome;
    if (outcome.kind !== 'error') throw new Error(`expected the run to stop as an error, got ${outcome.kind}`);
    const error = outcome.error;
    expect(error).toBeInstanceOf(ScenarioError);
    expect((error as ScenarioError).code).toBe('dataset_changed');
    expect(error.message).toContain(`dataset file ${path} changed while the run read it: it has no record 31 any more (it had 100 records when the run started)`);
    expect((await store.load('shrinking'))?.status).toBe('paused');
  });

  it('a batch re-run after a resume gets the same records as before', async () => {
    const path = folder.write('rerun.csv', 'id,text,label\n' + labelledRows(2_500).map((r) => `${r.id},"${r.text}, ""quoted""",${r.label}`).join('\n') + '\n');
    const seen: { index: number; items: unknown[] }[] = [];
    let started!: () => void;
    const inFlight = new Promise<void>((resolve) => (started = resolve));
    const recording = (hold: boolean): Skill<Row> => ({
      name: 'recording',
      version: '1',
      async run(items, ctx) {
        seen.push({ index: ctx.batchIndex, items });
        if (hold && ctx.batchIndex === 14) {
          started();
          await new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true }));
        }
        return { qualityScore: 1 };
      },
    });
    const store = new MemorySnapshotStore();
    const config = configOf(scenario('a', { dataset: { file: path, sample: 'random' }, inputSize: 2_000, skillParams: { batchSize: 100 } }));
    const run = await createDurableOrchestration(config, { store, id: 'rerun', skill: recording(true) });
    run.start();
    await inFlight;
    await run.interrupt();
    const before = seen.filter((s) => s.index === 14);
    expect(before).toHaveLength(1);
    const resumed = await resumeOrchestration('rerun', { store, skill: recording(false) });
    const outcome = await resumed.outcome;
    expect(outcome.kind === 'finished' && outcome.report.scenarios['a']?.itemsProcessed).toBe(2_000);
    const after = seen.filter((s) => s.index === 14);
    expect(after).toHaveLength(2);
    expect(after[1]?.items).toEqual(before[0]?.items);
    expect(after[1]?.items).toHaveLength(100);
    // Every sampled record ran once, apart from the re-run batch.
    const ids = seen.filter((s, i) => !(s.index === 14 && i === seen.indexOf(after[1] ?? s))).flatMap((s) => s.items.map((row) => (row as Row).id));
    expect(new Set(ids).size).toBe(2_000);
  });
});
