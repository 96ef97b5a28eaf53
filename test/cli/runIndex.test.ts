import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { rememberRunStore, storeSpecFor } from '../../src/cli/runIndex.ts';
import { tempDir } from './spawnCli.ts';

const temp = tempDir('scenarios-runindex-');
afterAll(() => temp.remove());

describe('runIndex', () => {
  it.each(['toString', 'constructor', '__proto__', 'hasOwnProperty'])('finds no store for the unrecorded id %s', (id) => {
    expect(storeSpecFor(temp.dir, id, undefined)).toBeUndefined();
    rememberRunStore(temp.dir, 'orch-other', '/tmp/some-db');
    expect(storeSpecFor(temp.dir, id, undefined)).toBeUndefined();
  });

  it.each(['toString', 'constructor', '__proto__'])('remembers and finds the store of a run called %s', (id) => {
    const cwd = join(temp.dir, `own-${id}`);
    rememberRunStore(cwd, id, '/tmp/db-of-this-run');
    expect(storeSpecFor(cwd, id, undefined)).toBe('/tmp/db-of-this-run');
    expect(storeSpecFor(cwd, 'orch-unknown', undefined)).toBeUndefined();
    expect(JSON.parse(readFileSync(join(cwd, '.scenarios', 'runs.json'), 'utf8'))).toEqual(JSON.parse(`{"${id}": "/tmp/db-of-this-run"}`));
  });

  it('lets an explicit --db win', () => {
    rememberRunStore(temp.dir, 'orch-a', '/tmp/a');
    expect(storeSpecFor(temp.dir, 'orch-a', 'memory')).toBe('memory');
  });
});
