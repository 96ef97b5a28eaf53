import type { DatasetFingerprint } from '../config/schema.ts';

/**
 * What differs between the fingerprint a run recorded and the file as it is now, one phrase each (size,
 * record count, content); empty when the file is unchanged.
 */
export function fingerprintChanges(recorded: DatasetFingerprint, current: DatasetFingerprint): string[] {
  const changes: string[] = [];
  if (recorded.bytes !== current.bytes) changes.push(`its size went from ${recorded.bytes.toLocaleString('en-US')} to ${current.bytes.toLocaleString('en-US')} bytes`);
  if (recorded.records !== current.records) changes.push(`its record count went from ${recorded.records.toLocaleString('en-US')} to ${current.records.toLocaleString('en-US')}`);
  if (recorded.sha256 !== current.sha256) changes.push(`its content differs (sha256 ${recorded.sha256.slice(0, 12)}… then, ${current.sha256.slice(0, 12)}… now)`);
  return changes;
}
