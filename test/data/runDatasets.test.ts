import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { scenarios, tempDir } from '../cli/spawnCli.ts';
import { jsonLines, labelledRows } from './datasetFiles.ts';

/** A module skill over labelled rows: it predicts "spam" for an even id, and its accuracy is its qualityScore. */
const SKILL = `export default {
  name: 'even-is-spam', version: '1.0.0',
  run(rows) {
    const right = rows.filter((row) => (Number(row.id) % 2 === 0 ? 'spam' : 'ham') === row.label).length;
    return { qualityScore: right / rows.length };
  },
};
`;
const accuracy = (count: number) => labelledRows(count).filter((row) => (row.id % 2 === 0 ? 'spam' : 'ham') === row.label).length / count;

const scenario = (name: string, file: string, batchSize: number) => ({
  name,
  dataset: { file },
  timeBudgetSeconds: 120,
  memoryLimitMb: 1024,
  errorTolerance: 0,
  skillParams: { batchSize },
  expectedQuality: 'basic',
  qualityMetrics: ['accuracy'],
});

const folder = tempDir('scenarios-datasets-cli-');
afterAll(() => folder.remove());
const write = (path: string, text: string) => writeFileSync(join(folder.dir, path), text);

describe('scenarios run config.json over dataset files (issue 9, done when)', () => {
  write('skill.mjs', SKILL);

  it('three scenarios, each its own JSONL file (100, 300, 800 records, relative paths), run to completion with the skill accuracy', async () => {
    write('simple.jsonl', jsonLines(labelledRows(100)));
    write('medium.jsonl', jsonLines(labelledRows(300)));
    write('complex.jsonl', jsonLines(labelledRows(800)));
    write('jsonl.json', JSON.stringify({ skill: { module: './skill.mjs' }, scenarios: [scenario('simple', 'simple.jsonl', 10), scenario('medium', 'medium.jsonl', 50), scenario('complex', 'complex.jsonl', 100)] }));
    // Run from another folder: the paths resolve against the config's.
    mkdirSync(join(folder.dir, 'elsewhere'), { recursive: true });
    const { code, stdout, stderr } = await scenarios(['run', '../jsonl.json', '--json', '--db', 'memory'], join(folder.dir, 'elsewhere'));
    expect(code, stderr).toBe(0);
    const report = JSON.parse(stdout) as { scenarios: Record<string, { status: string; itemsProcessed: number; qualityScores: Record<string, number> }> };
    for (const [name, count] of [['simple', 100], ['medium', 300], ['complex', 800]] as const) {
      expect(report.scenarios[name]).toMatchObject({ status: 'complete', itemsProcessed: count });
      expect(report.scenarios[name]?.qualityScores['accuracy']).toBeCloseTo(accuracy(count), 3);
    }
  });

  it('the same with a CSV file (quoted fields, values as strings)', async () => {
    const rows = labelledRows(300);
    write('rows.csv', 'id,text,label\n' + rows.map((r) => `${r.id},"${r.text}, ""as written""",${r.label}`).join('\n') + '\n');
    write('csv.json', JSON.stringify({ skill: { module: './skill.mjs' }, scenarios: [scenario('all', 'rows.csv', 50), { ...scenario('some', 'rows.csv', 10), inputSize: 100 }] }));
    const { code, stdout, stderr } = await scenarios(['run', 'csv.json', '--json', '--db', 'memory'], folder.dir);
    expect(code, stderr).toBe(0);
    const report = JSON.parse(stdout) as { scenarios: Record<string, { itemsProcessed: number; qualityScores: Record<string, number> }> };
    expect(report.scenarios['all']?.itemsProcessed).toBe(300);
    expect(report.scenarios['all']?.qualityScores['accuracy']).toBeCloseTo(accuracy(300), 3);
    expect(report.scenarios['some']?.itemsProcessed).toBe(100);
  });

  it('a malformed line fails before any batch runs, naming the file and the line (exit 2)', async () => {
    write('good.jsonl', jsonLines(labelledRows(50)));
    write('bad.jsonl', jsonLines(labelledRows(50)).replace('"id":17,', '"id":17,,'));
    write('bad.json', JSON.stringify({ skill: { module: './skill.mjs' }, scenarios: [scenario('good', 'good.jsonl', 10), scenario('bad', 'bad.jsonl', 10)] }));
    const { code, stdout, stderr } = await scenarios(['run', 'bad.json', '--db', 'memory'], folder.dir);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(`scenarios: dataset file ${join(folder.dir, 'bad.jsonl')}, line 18: not valid JSON`);
    expect(stderr).not.toContain('orchestration ');
  });

  it('an inputSize larger than the file is a config error naming the file and its count (exit 2)', async () => {
    write('few.jsonl', jsonLines(labelledRows(7)));
    write('few.json', JSON.stringify({ scenarios: [{ ...scenario('few', 'few.jsonl', 10), inputSize: 8 }] }));
    const { code, stderr } = await scenarios(['run', 'few.json', '--db', 'memory'], folder.dir);
    expect(code).toBe(2);
    expect(stderr).toContain(`scenarios[0].inputSize: is 8, but ${join(folder.dir, 'few.jsonl')} holds only 7 records`);
  });
});
