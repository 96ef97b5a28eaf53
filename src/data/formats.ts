import { extname } from 'node:path';
import { ScenarioError } from '../errors.ts';

/** How a dataset file holds its records: one JSON value per line, one JSON array, or CSV with a header row. */
export type DatasetFormat = 'jsonl' | 'json' | 'csv';

/** Every extension a dataset file may have, what it means, and how a message describes it: the one list. */
const EXTENSIONS: readonly { extension: string; format: DatasetFormat; holds: string }[] = [
  { extension: '.jsonl', format: 'jsonl', holds: 'one JSON value per line' },
  { extension: '.ndjson', format: 'jsonl', holds: 'one JSON value per line' },
  { extension: '.json', format: 'json', holds: 'an array' },
  { extension: '.csv', format: 'csv', holds: 'a header row' },
];

/** The format `file`'s extension names (any case), or undefined for any other extension. */
export function knownFormat(file: string): DatasetFormat | undefined {
  const extension = extname(file).toLowerCase();
  return EXTENSIONS.find((known) => known.extension === extension)?.format;
}

/** Why `file`'s extension is refused, and which ones work. */
export function unknownFormatMessage(file: string): string {
  const extension = extname(file);
  // One entry per format: ".jsonl or .ndjson (one JSON value per line)".
  const formats = [...new Set(EXTENSIONS.map((known) => known.format))];
  const accepted = formats.map((format) => {
    const same = EXTENSIONS.filter((known) => known.format === format);
    return `${same.map((known) => known.extension).join(' or ')} (${same[0]?.holds ?? format})`;
  });
  return `cannot tell its format from "${extension || '(no extension)'}"; use ${accepted.slice(0, -1).join(', ')} or ${accepted.at(-1) ?? ''}`;
}

/** The format a file's extension names; any other extension is refused with the ones that work. */
export function formatOf(file: string): DatasetFormat {
  const format = knownFormat(file);
  if (format === undefined) throw new ScenarioError('dataset_invalid', `dataset file ${file}: ${unknownFormatMessage(file)}`);
  return format;
}
