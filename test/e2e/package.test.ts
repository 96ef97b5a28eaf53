import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../support/cliProcess.ts';

const exec = promisify(execFile);

/**
 * Tests what `npm run build` makes of the current sources, not whatever dist/ happens to lie in the
 * repository (stale after an edit, missing on a fresh clone): the package's own files are copied into a
 * temp folder, node_modules is linked, and `npm run build` runs there. The repository's dist/ is not touched.
 */
let pkg: string;
beforeAll(async () => {
  pkg = mkdtempSync(join(tmpdir(), 'scenarios-package-'));
  for (const entry of ['package.json', 'tsconfig.json', 'tsconfig.build.json', 'src', 'bin']) cpSync(join(repoRoot, entry), join(pkg, entry), { recursive: true });
  symlinkSync(join(repoRoot, 'node_modules'), join(pkg, 'node_modules'), 'dir');
  await exec('npm', ['run', 'build', '--silent'], { cwd: pkg, timeout: 240_000 });
}, 240_000);
afterAll(() => {
  if (pkg) rmSync(pkg, { recursive: true, force: true });
});

describe('the built package', () => {
  it('imports and runs on plain Node, without a TypeScript loader (npm install builds dist/)', async () => {
    const script = `
      import { createOrchestration, defaultConfig } from 'scenario-orchestrator';
      const run = createOrchestration({ ...defaultConfig, skill: { name: 'simulated', params: { latencyMs: 0 } } });
      run.start();
      const report = await run.result;
      const from = import.meta.resolve('scenario-orchestrator');
      console.log(JSON.stringify({ from, statuses: Object.values(report.scenarios).map((s) => s.status) }));`;
    // From inside the freshly built package, so the self-reference resolves to its dist/.
    const { stdout } = await exec(process.execPath, ['--input-type=module', '-e', script], { cwd: pkg });
    const { from, statuses } = JSON.parse(stdout) as { from: string; statuses: string[] };
    expect(from).toBe(pathToFileURL(join(pkg, 'dist', 'index.js')).href);
    expect(statuses).toEqual(['complete', 'complete', 'complete']);
  });
});
