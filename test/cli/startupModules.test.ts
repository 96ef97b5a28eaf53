import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliPath } from '../support/cliProcess.ts';
import { moduleLoadRecorder } from '../support/moduleLoads.ts';
import { tempDir } from './spawnCli.ts';

/**
 * What the CLI loads decides how fast it starts: a run with `--db memory` and no `--inspect` must not load a
 * database driver, the inspector or the renderers it does not use. Checked from the outside, by recording
 * every module the process loads (whether bin/scenarios.js runs dist/ or, when that is stale, src/ through tsx).
 */
const drivers = { pglite: /\/@electric-sql\/pglite\//, pg: /\/node_modules\/pg\//, postgresStore: /\/PostgresSnapshotStore\.[jt]s$/ };
const inspector = { ours: /\/(src|dist)\/inspect\/(?!inspectorPort\.)/, stately: /\/@statelyai\/inspect\//, graphviz: /\/@hpcc-js\/wasm-graphviz\//, partysocket: /\/partysocket\// };
const unusedHere = {
  bars: /\/cli-progress\//,
  wrapping: /\/wrap-ansi\//,
  csv: /\/csv-parse\//,
  jsonArrays: /\/@streamparser\/json\//,
  textReport: /\/report\/render(Text|Markdown)\.[jt]s$/,
  // The config is plain JSON: no comments to strip.
  jsonc: /\/jsonc-parser\//,
};

let work: ReturnType<typeof tempDir>;
let config: string;
beforeAll(() => {
  work = tempDir('scenarios-startup-');
  config = join(work.dir, 'one-item.json');
  writeFileSync(
    config,
    JSON.stringify({
      skill: { name: 'simulated', params: { latencyMs: 0 } },
      scenarios: [{ name: 'one', inputSize: 1, timeBudgetSeconds: 60, memoryLimitMb: 4096, errorTolerance: 0, skillParams: { batchSize: 1 }, expectedQuality: 'basic', qualityMetrics: ['accuracy'] }],
    }),
  );
});
afterAll(() => work.remove());

/** Runs `scenarios ...args` in the temp folder (no DATABASE_URL) and returns its output and the modules it loaded. */
function scenariosLoading(name: string, args: string[]) {
  const recorder = moduleLoadRecorder(work.dir, name);
  const env: NodeJS.ProcessEnv = { ...process.env, CI: '1', NO_COLOR: '1' };
  delete env.DATABASE_URL;
  const out = spawnSync(process.execPath, [...recorder.nodeArgs, cliPath, ...args], { cwd: work.dir, env, encoding: 'utf8', timeout: 120_000 });
  return { code: out.status, stdout: out.stdout, stderr: out.stderr, loaded: recorder.loaded() };
}

function loadedOf(loaded: string[], patterns: Record<string, RegExp>): string[] {
  return Object.entries(patterns).flatMap(([what, pattern]) => loaded.filter((url) => pattern.test(url)).map((url) => `${what}: ${url}`));
}

describe('start-up loads only what the command uses', () => {
  it('a --db memory run without --inspect loads no database driver, no inspector and no unused renderer', () => {
    const run = scenariosLoading('memory-run', ['run', config, '--db', 'memory', '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect((JSON.parse(run.stdout) as { scenarios: Record<string, { status: string }> }).scenarios.one?.status).toBe('complete');
    // The recording works: the run's own modules are in it.
    expect(run.loaded.some((url) => /\/(src|dist)\/cli\/commands\/run\.[jt]s$/.test(url))).toBe(true);
    expect(loadedOf(run.loaded, { ...drivers, ...inspector, ...unusedHere })).toEqual([]);
  }, 120_000);

  it('--version loads neither zod nor xstate nor any command', () => {
    const version = scenariosLoading('version', ['--version']);
    expect(version.code, version.stderr).toBe(0);
    expect(version.stdout).toMatch(/^scenarios\/\d+\.\d+\.\d+/);
    expect(loadedOf(version.loaded, { zod: /\/node_modules\/zod\//, xstate: /\/node_modules\/xstate\//, commands: /\/cli\/commands\// })).toEqual([]);
  }, 120_000);

  it('a run on an embedded PGlite folder loads PGlite, but not pg or the inspector; the text report loads its renderer', () => {
    const db = join(work.dir, 'db');
    const run = scenariosLoading('pglite-run', ['run', config, '--db', db]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('one');
    expect(loadedOf(run.loaded, { pglite: drivers.pglite }).length).toBeGreaterThan(0);
    expect(loadedOf(run.loaded, { pg: drivers.pg, postgresStore: drivers.postgresStore })).toEqual([]);
    expect(loadedOf(run.loaded, inspector)).toEqual([]);
    expect(loadedOf(run.loaded, { textReport: unusedHere.textReport }).length).toBe(1);
  }, 120_000);
});
