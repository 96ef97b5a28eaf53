import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** The installed xstate version, stored beside each snapshot: its persisted format has changed within v5. */
export const XSTATE_VERSION: string = (require('xstate/package.json') as { version: string }).version;

/** Snapshots restore across patch releases only; a different major.minor is refused. */
export function sameMinor(a: string, b: string): boolean {
  return a.split('.').slice(0, 2).join('.') === b.split('.').slice(0, 2).join('.');
}
