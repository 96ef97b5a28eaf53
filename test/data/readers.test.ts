import { closeSync, mkdirSync, openSync, readFileSync, renameSync, statSync, utimesSync, writeSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { indexDataset } from '../../src/data/datasetIndex.ts';
import { RecordReader } from '../../src/data/recordReader.ts';
import { firstRecords } from '../../src/data/scenarioItems.ts';
import { ScenarioError } from '../../src/errors.ts';
import { dataFolder, jsonLines, labelledRows } from './datasetFiles.ts';

const folder = dataFolder();

async function readAll(path: string): Promise<unknown[]> {
  const index = await indexDataset(path);
  return firstRecords(new RecordReader(index), index.fingerprint.records).read(0, index.fingerprint.records);
}

async function failure(promise: Promise<unknown>): Promise<ScenarioError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(ScenarioError);
  return error as ScenarioError;
}

describe('dataset files are read record by record, each record one item as written', () => {
  it('JSON lines: one value per line, blank lines skipped, any JSON value', async () => {
    const path = folder.write('a.jsonl', '{"text":"é, ü","label":"x"}\n\n[1,2]\r\n"plain"\n{"n":3}');
    expect(await readAll(path)).toEqual([{ text: 'é, ü', label: 'x' }, [1, 2], 'plain', { n: 3 }]);
  });

  it('a JSON array: each element is a record', async () => {
    const path = folder.write('a.json', '[\n  {"text": "a, [b]", "label": "x"},\n  {"nested": {"list": [1, {"k": "]"}]}},\n  7\n]\n');
    expect(await readAll(path)).toEqual([{ text: 'a, [b]', label: 'x' }, { nested: { list: [1, { k: ']' }] } }, 7]);
  });

  it('CSV: objects keyed by the header, values as strings; quoted fields may hold commas, quotes and newlines', async () => {
    const path = folder.write('a.csv', 'text,label,score\n"hello, world",ham,007\n"two\nlines ""quoted""",spam,1.5\n');
    expect(await readAll(path)).toEqual([
      { text: 'hello, world', label: 'ham', score: '007' },
      { text: 'two\nlines "quoted"', label: 'spam', score: '1.5' },
    ]);
  });

  it('counts records and fingerprints the bytes', async () => {
    const text = jsonLines(labelledRows(5));
    const index = await indexDataset(folder.write('f.jsonl', text));
    expect(index.fingerprint.records).toBe(5);
    expect(index.fingerprint.bytes).toBe(Buffer.byteLength(text));
    const { createHash } = await import('node:crypto');
    expect(index.fingerprint.sha256).toBe(createHash('sha256').update(text).digest('hex'));
  });

  it.each([
    ['jsonl', jsonLines(labelledRows(2_345, 'ünï'))],
    ['json', JSON.stringify(labelledRows(2_345, 'ünï'), null, 1)],
    ['csv', 'id,text,label\n' + labelledRows(2_345, 'a,"b"\nc').map((r) => `${r.id},"${r.text.replaceAll('"', '""')}",${r.label}`).join('\n') + '\n'],
  ])('%s: any slice read from the middle (past checkpoints, after earlier reads) equals the same slice of the whole', async (ext, text) => {
    const index = await indexDataset(folder.write(`big.${ext}`, text));
    const items = firstRecords(new RecordReader(index), 2_345);
    const whole = await items.read(0, 2_345);
    expect(whole).toHaveLength(2_345);
    for (const [start, count] of [[1_990, 30], [2_020, 100], [5, 10], [1_000, 1], [2_300, 45], [999, 2]] as const) {
      expect(await items.read(start, count)).toEqual(whole.slice(start, start + count));
    }
  });
});

describe('records far larger than the average are read whole, across several reads of the file', () => {
  const rows = Array.from({ length: 60 }, (_, id) => ({ id, text: id === 33 ? 'ü'.repeat(150_000) + ', "quoted"' : `row ${id}` }));
  it.each([
    ['jsonl', jsonLines(rows)],
    ['json', JSON.stringify(rows)],
    ['csv', 'id,text\n' + rows.map((r) => `${r.id},"${r.text.replaceAll('"', '""')}"`).join('\n') + '\n'],
  ])('%s', async (ext, text) => {
    const index = await indexDataset(folder.write(`uneven.${ext}`, text));
    const items = firstRecords(new RecordReader(index), 60);
    const batches = [];
    for (let start = 0; start < 60; start += 10) batches.push(...(await items.read(start, 10)));
    const expected = ext === 'csv' ? rows.map((r) => ({ id: String(r.id), text: r.text })) : rows;
    expect(batches).toEqual(expected);
    expect(await items.read(33, 1)).toEqual([expected[33]]);
  });
});

describe('a malformed record fails the pass with the file, the line and what was wrong', () => {
  it('JSON lines', async () => {
    const path = folder.write('bad.jsonl', '{"a":1}\n{"a":2}\n\n{"a":3,}\n{"a":4}\n');
    const error = await failure(indexDataset(path));
    expect(error.code).toBe('dataset_invalid');
    expect(error.message).toContain(`dataset file ${path}, line 4: not valid JSON`);
    expect(error.message).toContain('{\\"a\\":3,}');
  });

  it('a JSON array: a syntax error, an unclosed array, a top level that is not an array', async () => {
    const path = folder.write('bad.json', '[\n{"a":1},\n{"a": tru}\n]');
    expect((await failure(indexDataset(path))).message).toMatch(new RegExp(`${path}, line 3: not valid JSON`));
    const open = folder.write('open.json', '[\n{"a":1},\n{"a":2}\n');
    expect((await failure(indexDataset(open))).message).toContain('the file ends inside the array');
    const object = folder.write('object.json', '{"rows": []}');
    expect((await failure(indexDataset(object))).message).toContain(`${object}, line 1: expected a JSON array`);
  });

  it('CSV: a row with the wrong number of fields, an unclosed quote', async () => {
    const short = folder.write('short.csv', 'a,b\n1,2\n3\n');
    expect((await failure(indexDataset(short))).message).toMatch(new RegExp(`${short}, line 3: not valid CSV: Invalid Record Length`));
    const quote = folder.write('quote.csv', 'a,b\n1,2\n"3,4\n5,6\n');
    expect((await failure(indexDataset(quote))).message).toMatch(/line \d: not valid CSV: Quote Not Closed/);
  });

  it('a JSON array pretty-printed over lines: the bad character and its line quoted on one line, as for JSON lines', async () => {
    const path = folder.write('pretty.json', '[\n  {"a": 1},\n  {"a": 2},\n  {"a": 3},\n  {"a": 4},\n  {"a": "x\n  }\n]\n');
    const error = await failure(indexDataset(path));
    expect(error.message).toBe(`dataset file ${path}, line 6: not valid JSON (unexpected "\\n"): "{\\"a\\": \\"x"`);
    const extra = folder.write('extra.json', '[\n  {"a": 1},\n  {"a": 2} {"a": 3}\n]\n');
    expect((await failure(indexDataset(extra))).message).toBe(`dataset file ${extra}, line 3: not valid JSON (unexpected "{"): "{\\"a\\": 2} {\\"a\\": 3}"`);
    // A whole array on one line: only the bytes around the bad one.
    const long = folder.write('one-line.json', JSON.stringify(labelledRows(2_000)).replace('"row 1000"', '"row 1000",'));
    expect((await failure(indexDataset(long))).message).toBe(
      `dataset file ${long}, line 1: not valid JSON (unexpected ","): …"l\\":\\"spam\\"},{\\"id\\":1000,\\"text\\":\\"row 1000\\",,\\"label\\":\\"ham\\"},{\\"id\\":1001,\\"text\\":\\"row 10"…`,
    );
  });

  it('an unknown extension is refused with every accepted one; a missing file or a directory is named, in words', async () => {
    expect((await failure(indexDataset(folder.write('rows.txt', 'x')))).message).toBe(
      `dataset file ${folder.dir}/rows.txt: cannot tell its format from ".txt"; use .jsonl or .ndjson (one JSON value per line), .json (an array) or .csv (a header row)`,
    );
    expect((await failure(indexDataset(`${folder.dir}/missing.jsonl`))).message).toBe(`cannot read dataset file ${folder.dir}/missing.jsonl: no such file`);
    mkdirSync(`${folder.dir}/folder.json`);
    expect((await failure(indexDataset(`${folder.dir}/folder.json`))).message).toBe(`cannot read dataset file ${folder.dir}/folder.json: is a directory, not a file`);
  });
});

describe('a file that changes under a run is refused when read', () => {
  it('fewer records than indexed: its size, and the records it no longer has', async () => {
    const path = folder.write('shrinks.jsonl', jsonLines(labelledRows(10)));
    const items = firstRecords(new RecordReader(await indexDataset(path)), 10);
    expect(await items.read(0, 5)).toHaveLength(5);
    folder.write('shrinks.jsonl', jsonLines(labelledRows(4)));
    const error = await failure(items.read(5, 5));
    expect(error.code).toBe('dataset_changed');
    expect(error.message).toContain(`dataset file ${path} changed while the run read it: it has no record 6 any more (it had 10 records when the run started); its size went from 384 to 154 bytes`);
    expect((await failure(items.read(0, 5))).message).toContain('changed while the run read it: its size went from 384 to 154 bytes');
  });
});

/** Overwrites `text` where `at` first occurs in the file with as many bytes: the size stays the same. */
function overwriteInPlace(path: string, at: string, text: string): void {
  const offset = readFileSync(path).indexOf(at);
  expect(offset).toBeGreaterThan(-1);
  const fd = openSync(path, 'r+');
  try {
    writeSync(fd, text, offset);
  } finally {
    closeSync(fd);
  }
}

describe('a file written to in place (the same size) under a run is refused before its records are read', () => {
  it('a write that moves the modification time', async () => {
    const path = folder.write('edited.jsonl', jsonLines(labelledRows(300)));
    const items = firstRecords(new RecordReader(await indexDataset(path)), 300);
    expect(await items.read(0, 10)).toEqual(labelledRows(300).slice(0, 10));
    const size = statSync(path).size;
    overwriteInPlace(path, 'row 150', 'XXX 150');
    expect(statSync(path).size).toBe(size);
    const error = await failure(items.read(150, 10));
    expect(error.code).toBe('dataset_changed');
    expect(error.message).toMatch(new RegExp(`^dataset file ${path} changed while the run read it: it was written to at \\S+ \\(last written at \\S+ when the run indexed it\\); it must stay as it was when the run started$`));
    // Every later read too, even of records the write did not touch.
    expect((await failure(items.read(0, 10))).code).toBe('dataset_changed');
  });

  it('a write whose modification time is then set back (its change time still moves)', async () => {
    const path = folder.write('set-back.jsonl', jsonLines(labelledRows(50)));
    // Whole seconds, which utimes sets back exactly.
    const lastWritten = Math.floor(Date.now() / 1000) - 60;
    utimesSync(path, lastWritten, lastWritten);
    const items = firstRecords(new RecordReader(await indexDataset(path)), 50);
    overwriteInPlace(path, 'row 20', 'XXX 20');
    utimesSync(path, lastWritten, lastWritten);
    expect(statSync(path).mtimeMs).toBe(lastWritten * 1000);
    const error = await failure(items.read(20, 5));
    expect(error.code).toBe('dataset_changed');
    expect(error.message).toContain('(its modification time kept or set back)');
  });

  it('a file replaced by another (renamed over it) before the first read', async () => {
    const path = folder.write('replaced.jsonl', jsonLines(labelledRows(20)));
    const items = firstRecords(new RecordReader(await indexDataset(path)), 20);
    renameSync(folder.write('replacement.jsonl', jsonLines(labelledRows(20, 'new'))), path);
    const error = await failure(items.read(0, 5));
    expect(error.code).toBe('dataset_changed');
    expect(error.message).toContain('it was replaced by another file');
  });

  it('a file written while it is validated is refused, not fingerprinted half old and half new', async () => {
    const path = folder.write('growing.jsonl', jsonLines(labelledRows(40_000)));
    let wrote = false;
    const error = await failure(
      indexDataset(path, (progress) => {
        if (wrote || progress.done) return;
        wrote = true;
        overwriteInPlace(path, 'row 39999', 'XXX 39999');
      }),
    );
    expect(wrote).toBe(true);
    expect(error.code).toBe('dataset_changed');
    expect(error.message).toContain(`dataset file ${path} changed while it was being validated: it was written to at`);
  });
});
