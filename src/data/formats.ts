import { extname } from 'node:path';
import { ScenarioError } from '../errors.ts';

/** How a dataset file holds its records: one JSON value per line, one JSON array, or CSV with a header row. */
export type DatasetFormat = 'jsonl' | 'json' | 'csv';

const byExtension: Readonly<Record<string, DatasetFormat>> = { '.jsonl': 'jsonl', '.ndjson': 'jsonl', '.json': 'json', '.csv': 'csv' };

/** The format a file's extension names; any other extension is refused with the ones that work. */
export function formatOf(file: string): DatasetFormat {
  const extension = extname(file).toLowerCase();
  const format = Object.hasOwn(byExtension, extension) ? byExtension[extension] : undefined;
  if (format === undefined) {
    throw new ScenarioError('dataset_invalid', `dataset file ${file}: cannot tell its format from "${extension || '(no extension)'}"; use .jsonl (one JSON value per line), .json (an array) or .csv (a header row)`);
  }
  return format;
}
