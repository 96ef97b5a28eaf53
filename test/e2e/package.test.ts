import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../support/cliProcess.ts';
import { moduleLoadRecorder } from '../support/moduleLoads.ts';

const exec = promisify(execFile);

/**
 * Tests what `npm run build` makes of the current sources, not whatever dist/ happens to lie in the
 * repository (stale after an edit, missing on a fresh clone): the package's own files are copied into a
 * temp folder, node_modules is linked, and `npm run build` runs there. The repository's dist/ is not touched.
 */
let pkg: string;
beforeAll(async () => {
  pkg = mkdtempSync(join(tmpdir(), 'scenarios-package-'));
  for (const entry of ['package.json', 'tsconfig.json', 'tsconfig.build.json', 'src', 'bin', 'scripts/build.js']) cpSync(join(repoRoot, entry), join(pkg, entry), { recursive: true });
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

describe('the CLI of the built package', () => {
  const oneItem = {
    skill: { name: 'simulated', params: { latencyMs: 0 } },
    scenarios: [{ name: 'one', inputSize: 1, timeBudgetSeconds: 60, memoryLimitMb: 4096, errorTolerance: 0, skillParams: { batchSize: 1 }, expectedQuality: 'basic', qualityMetrics: ['accuracy'] }],
  };
  const scenarios = (recorder: ReturnType<typeof moduleLoadRecorder>, args: string[]) =>
    exec(process.execPath, [...recorder.nodeArgs, join(pkg, 'bin', 'scenarios.js'), ...args], { cwd: pkg, env: { ...process.env, DATABASE_URL: '' }, timeout: 120_000 });
  const tsx = (loaded: string[]) => loaded.filter((url) => url.includes('/node_modules/tsx/'));

  it('runs from dist/ on plain Node, and loads tsx only for a TypeScript skill', async () => {
    writeFileSync(join(pkg, 'one-item.json'), JSON.stringify(oneItem));
    const builtIn = moduleLoadRecorder(pkg, 'built-in-skill');
    const { stdout } = await scenarios(builtIn, ['run', 'one-item.json', '--db', 'memory', '--json']);
    expect((JSON.parse(stdout) as { scenarios: Record<string, { status: string }> }).scenarios.one?.status).toBe('complete');
    expect(builtIn.loaded()).toContain(pathToFileURL(join(pkg, 'dist', 'cli', 'index.js')).href);
    expect(builtIn.loaded().filter((url) => url.includes('/src/'))).toEqual([]);
    expect(tsx(builtIn.loaded())).toEqual([]);

    writeFileSync(
      join(pkg, 'tiny-skill.ts'),
      `const skill: { name: string; version: string; run(items: unknown[]): Promise<{ qualityScore: number }> } = { name: 'tiny', version: '1.0.0', run: async () => ({ qualityScore: 1 }) };\nexport default skill;\n`,
    );
    const typeScript = moduleLoadRecorder(pkg, 'typescript-skill');
    const withSkill = await scenarios(typeScript, ['run', 'one-item.json', '--skill', 'tiny-skill.ts', '--db', 'memory', '--json']);
    expect((JSON.parse(withSkill.stdout) as { scenarios: Record<string, { status: string }> }).scenarios.one?.status).toBe('complete');
    expect(withSkill.stderr).toContain('skill tiny@1.0.0');
    expect(tsx(typeScript.loaded()).length).toBeGreaterThan(0);
  }, 120_000);

  /**
   * What a user who follows the README gets: an ordinary npm project (`npm init -y`: no "type": "module") with
   * the package installed, `scenarios init`, then `"isolation": "worker"`; the starter skill.ts imports
   * scenario-orchestrator, whose dependencies (canonicalize) export only to `import`.
   */
  const projects: string[] = [];
  afterAll(() => projects.forEach((project) => rmSync(project, { recursive: true, force: true })));
  function starterProject(): string {
    const project = mkdtempSync(join(tmpdir(), 'scenarios-package-project-'));
    projects.push(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'my-project', version: '1.0.0', main: 'index.js', license: 'ISC' }));
    mkdirSync(join(project, 'node_modules'));
    symlinkSync(pkg, join(project, 'node_modules', 'scenario-orchestrator'), 'dir');
    return project;
  }
  type Outcome = Record<string, { status: string; itemsFailed: number; memoryUsedMb: number }>;
  async function runStarterInWorkers(project: string): Promise<Outcome> {
    const cli = (args: string[]) => exec(process.execPath, [join(pkg, 'bin', 'scenarios.js'), ...args], { cwd: project, env: { ...process.env, DATABASE_URL: '' }, timeout: 120_000 });
    await cli(['init']);
    const config = join(project, 'scenarios.config.jsonc');
    writeFileSync(config, readFileSync(config, 'utf8').replace('"skill": {', '"isolation": "worker", "skill": {').replace('"delayMs": 5', '"delayMs": 0'));
    const { stdout } = await cli(['run', 'scenarios.config.jsonc', '--db', 'memory', '--json']);
    return (JSON.parse(stdout) as { scenarios: Outcome }).scenarios;
  }

  it('runs the starter skill of `scenarios init` in worker threads, in a project that is not "type": "module"', async () => {
    const scenarios = await runStarterInWorkers(starterProject());
    expect(Object.keys(scenarios)).toHaveLength(3);
    for (const [name, s] of Object.entries(scenarios)) expect(s, name).toMatchObject({ status: 'complete', itemsFailed: 0 });
    // Each figure is its worker's own memory: the batches ran in workers.
    expect(Object.values(scenarios).every((s) => s.memoryUsedMb > 0)).toBe(true);
  }, 120_000);

  // Last in this file but one: from here on the copy's dist/ is stale.
  it('runs src/ through tsx once a source file changed after the build, never the stale dist/', async () => {
    const file = join(pkg, 'src', 'cli', 'createCli.ts');
    const source = readFileSync(file, 'utf8');
    expect(source).toContain("cli.version('0.1.0')");
    writeFileSync(file, source.replace("cli.version('0.1.0')", "cli.version('0.1.0-edited')"));
    const edited = moduleLoadRecorder(pkg, 'edited');
    const { stdout } = await scenarios(edited, ['--version']);
    expect(stdout).toContain('scenarios/0.1.0-edited');
    expect(tsx(edited.loaded()).length).toBeGreaterThan(0);
  }, 120_000);

  it('runs the starter skill in worker threads from src/ through tsx as well, once dist/ is stale', async () => {
    const scenarios = await runStarterInWorkers(starterProject());
    expect(Object.keys(scenarios)).toHaveLength(3);
    for (const [name, s] of Object.entries(scenarios)) expect(s, name).toMatchObject({ status: 'complete', itemsFailed: 0 });
  }, 120_000);
});
