import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { promisify } from 'node:util';

/** Whether this machine's PostgreSQL cluster can be stopped and started by the tests (Debian's pg_ctlcluster). */
export const canControlCluster = existsSync('/etc/postgresql') && existsSync('/usr/bin/pg_ctlcluster');

/** Asynchronous, so a run keeps going (and its writes keep failing and retrying) while the server is away. */
export function pgCluster(action: 'stop' | 'start' | 'restart'): Promise<unknown> {
  return promisify(execFile)('pg_ctlcluster', ['--skip-systemctl-redirect', readdirSync('/etc/postgresql')[0] ?? '', 'main', action]);
}
