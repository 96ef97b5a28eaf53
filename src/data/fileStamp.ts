import { fstatSync, type Stats } from 'node:fs';

/**
 * What the file system says about a dataset file when it was indexed: its size, when its bytes were last
 * written (mtime), when anything about it last changed (ctime, which a write also moves and which cannot be
 * set back by hand as mtime can), and which file it is (inode). A write that changes any of these is seen
 * by one fstat, without reading a byte; a write that keeps them all (same size, within the file system's
 * timestamp resolution) is caught by the sha256 when the run resumes.
 */
export interface FileStamp {
  bytes: number;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
}

const stampOf = (stats: Stats): FileStamp => ({ bytes: stats.size, mtimeMs: stats.mtimeMs, ctimeMs: stats.ctimeMs, ino: stats.ino });

/**
 * The stamp of an open file. Synchronous on purpose: fstat of an open descriptor never waits on the disk,
 * and costs about a microsecond against some 20-60 µs for a round trip through libuv's thread pool, once
 * or twice per batch read.
 */
export const stampOfOpen = (fd: number): FileStamp => stampOf(fstatSync(fd));

/** What differs between two stamps of a file, one phrase each; empty when none does. */
export function stampChanges(then: FileStamp, now: FileStamp): string[] {
  const changes: string[] = [];
  if (then.ino !== now.ino) changes.push('it was replaced by another file');
  if (then.bytes !== now.bytes) changes.push(`its size went from ${then.bytes.toLocaleString('en-US')} to ${now.bytes.toLocaleString('en-US')} bytes`);
  if (then.mtimeMs !== now.mtimeMs) changes.push(`it was written to at ${isoTime(now.mtimeMs)} (last written at ${isoTime(then.mtimeMs)} when the run indexed it)`);
  else if (then.ctimeMs !== now.ctimeMs) changes.push(`it was changed at ${isoTime(now.ctimeMs)} (its modification time kept or set back)`);
  return changes;
}

const isoTime = (ms: number) => new Date(ms).toISOString();
