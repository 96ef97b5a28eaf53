import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../src/config/loadConfigFile.ts';
import { repoRoot, scenarios, tempDir } from './spawnCli.ts';

/**
 * The written skill imports 'scenario-orchestrator', as it would where the package is installed: here a
 * package of that name in the temp folder's node_modules re-exports this repository's build (dist/, which
 * `npm test` builds first), as the installed package would: a `.mjs` skill is imported by plain Node, with
 * no TypeScript loader, when the CLI runs from dist/. Without a build, the sources (the CLI then runs them
 * through tsx too).
 */
function installPackageShim(dir: string): void {
  const pkg = join(dir, 'node_modules', 'scenario-orchestrator');
  mkdirSync(pkg, { recursive: true });
  const built = join(repoRoot, 'dist', 'index.js');
  const entry = existsSync(built) ? built : join(repoRoot, 'src', 'index.ts');
  const shim = existsSync(built) ? 'index.js' : 'index.ts';
  writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'scenario-orchestrator', type: 'module', exports: `./${shim}` }));
  writeFileSync(join(pkg, shim), `export * from ${JSON.stringify(entry)};\n`);
}

let temp: ReturnType<typeof tempDir> | undefined;
afterEach(() => temp?.remove());
const folder = () => {
  temp = tempDir('scenarios-init-');
  return temp.dir;
};

interface ResultJson {
  skill: { name: string };
  scenarios: Record<string, { status: string; itemsProcessed: number; qualityScores: Record<string, number | null> }>;
}

// Each test starts the CLI two or three times, each through tsx: room for a loaded machine.
describe('scenarios init', { timeout: 90_000 }, () => {
  it('writes a commented config and a TypeScript skill that run as written', async () => {
    const dir = folder();
    const init = await scenarios(['init'], dir);
    expect(init.code).toBe(0);
    expect(init.stdout).toContain('wrote scenarios.config.jsonc');
    expect(init.stdout).toContain('wrote skill.ts');
    expect(init.stdout).toContain('install it here first (npm install --save-dev scenario-orchestrator)');
    expect(init.stdout).toMatch(/next: npx scenarios run scenarios\.config\.jsonc\n$/);
    const config = readFileSync(join(dir, 'scenarios.config.jsonc'), 'utf8');
    expect(config).toMatch(/^\/\/ /); // it explains itself
    expect(config).toContain('"$schema": "./node_modules/scenario-orchestrator/scenarios.schema.json"');
    expect(readFileSync(join(dir, 'skill.ts'), 'utf8')).toContain("import { defineSkill } from 'scenario-orchestrator';");

    installPackageShim(dir);
    const again = await scenarios(['init', '--force'], dir);
    expect(again.stdout).not.toContain('install it here first');
    const run = await scenarios(['run', 'scenarios.config.jsonc', '--db', 'memory', '--json'], dir);
    expect(run.stderr).not.toMatch(/error|invalid/i);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as ResultJson;
    expect(result.skill.name).toBe('my-skill');
    expect(Object.entries(result.scenarios).map(([name, s]) => [name, s.status, s.itemsProcessed])).toEqual([
      ['simple', 'complete', 100],
      ['medium', 'complete', 300],
      ['complex', 'complete', 800],
    ]);
    // The stand-in skill's score arrives as accuracy.
    for (const s of Object.values(result.scenarios)) expect(s.qualityScores.accuracy).toBeGreaterThan(0.8);
  });

  it('writes a JavaScript skill (an ES module wherever it lives) with --js', async () => {
    const dir = folder();
    installPackageShim(dir);
    const init = await scenarios(['init', '--js'], dir);
    expect(init.code).toBe(0);
    expect(init.stdout).toContain('wrote skill.mjs');
    const config = await loadConfigFile('scenarios.config.jsonc', dir);
    expect(config.skill).toMatchObject({ module: join(dir, 'skill.mjs') });
    const run = await scenarios(['run', 'scenarios.config.jsonc', '--db', 'memory', '--json'], dir);
    expect(run.code).toBe(0);
    expect(Object.values((JSON.parse(run.stdout) as ResultJson).scenarios).map((s) => s.status)).toEqual(['complete', 'complete', 'complete']);
  });

  it('refuses to overwrite a file that exists, writing nothing, unless --force', async () => {
    const dir = folder();
    writeFileSync(join(dir, 'skill.ts'), 'my own work\n');
    const refused = await scenarios(['init'], dir);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`skill.ts already exists in ${dir}: nothing written (--force replaces it)`);
    expect(readFileSync(join(dir, 'skill.ts'), 'utf8')).toBe('my own work\n');
    expect(() => readFileSync(join(dir, 'scenarios.config.jsonc'))).toThrow(/ENOENT/);

    const forced = await scenarios(['init', '--force'], dir);
    expect(forced.code).toBe(0);
    expect(forced.stdout).toContain('replaced skill.ts');
    expect(forced.stdout).toContain('wrote scenarios.config.jsonc');
    expect(readFileSync(join(dir, 'skill.ts'), 'utf8')).toContain('defineSkill');
  });
});
