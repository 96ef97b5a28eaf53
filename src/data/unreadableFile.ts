import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { ScenarioError, toError } from '../errors.ts';

/**
 * A dataset file that cannot be opened at all (missing, a directory, not readable): ScenarioError
 * 'dataset_invalid' whose `reason` says why in words, so openDatasets can report it at the config field
 * that names the file.
 */
export class DatasetUnreadableError extends ScenarioError {
  readonly file: string;
  readonly reason: string;
  constructor(file: string, reason: string, options?: { cause?: unknown }) {
    super('dataset_invalid', `cannot read dataset file ${file}: ${reason}`, options);
    this.name = 'DatasetUnreadableError';
    this.file = file;
    this.reason = reason;
  }
}

const REASONS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  ENOTDIR: 'no such file (a folder on its path is a file)',
  EISDIR: 'is a directory, not a file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ELOOP: 'too many symbolic links (a loop?)',
  ENAMETOOLONG: 'the path is too long',
};

/** Why opening a file failed, in words (the system's message for a failure without one of its own). */
export function unreadableReason(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && Object.hasOwn(REASONS, code) ? (REASONS[code] ?? code) : toError(error).message;
}

/** Why `file` cannot be read as a dataset (missing, a directory, not readable), or undefined if it can. */
export async function whyUnreadable(file: string): Promise<string | undefined> {
  try {
    if ((await stat(file)).isDirectory()) return unreadableReason({ code: 'EISDIR' });
    await access(file, constants.R_OK);
    return undefined;
  } catch (error) {
    return unreadableReason(error);
  }
}
