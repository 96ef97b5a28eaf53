import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliPath, repoRoot } from '../support/cliProcess.ts';

// TypeScript skills wherever they live: no package.json above them, a "type": "module" package, or a
// "type": "commonjs" one; .ts, .mts and .cts; written as ES modules or as CommonJS. Each fixture is
// written into a temp folder here, so no package.json of this repo is in the way. They are loaded by
// loadSkillModule in a plain Node process set up as the CLI is (tsx registered, then the sources
// imported), not inside vitest, whose own TypeScript transform would load some of them regardless.
const root = mkdtempSync(join(tmpdir(), 'scenarios-skills-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

type Loaded = { name: string; version: string; result: unknown } | { error: string };
const fixtures: string[] = [];
let loaded: Record<string, Loaded> = {};

const LOAD_ALL = `
import { pathToFileURL } from 'node:url';
const [tsxApi, loadSkill, ...files] = process.argv.slice(2);
const { register } = await import(pathToFileURL(tsxApi).href);
register();
const { loadSkillModule } = await import(pathToFileURL(loadSkill).href);
const out = {};
for (const file of files) {
  try {
    const skill = await loadSkillModule(file);
    out[file] = { name: skill.name, version: skill.version, result: await skill.run([{ id: 'a', value: 1 }], {}) };
  } catch (error) {
    out[file] = { error: error.message };
  }
}
process.stdout.write(JSON.stringify(out));
`;

async function loadAll(): Promise<Record<string, Loaded>> {
  const script = join(root, 'load-all.mjs');
  writeFileSync(script, LOAD_ALL);
  // tsx/esm/api's ESM build, as bin/scenarios.js imports it (require() resolves to its CommonJS twin).
  const tsxApi = createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs');
  const args = [script, tsxApi, join(repoRoot, 'src', 'actors', 'loadSkill.ts'), ...fixtures];
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`loader process exited with ${String(code)}: ${stderr}`);
  return JSON.parse(stdout) as Record<string, Loaded>;
}

const layouts = { 'no package.json': undefined, '"type": "module"': 'module', '"type": "commonjs"': 'commonjs' } as const;

/** ES module syntax plus what only an ES module has: import.meta, top-level await, a relative .ts import. */
const esmSkill = (name: string, ext: string) => `
import { readFileSync } from 'node:fs';
import version from './version${ext}';
const ready: string = await Promise.resolve('${name}');
const self: string = new URL(import.meta.url).pathname;
export default {
  name: ready,
  version,
  async run(items: { id: string; value: number }[]): Promise<{ qualityScore: number; processed: number }> {
    void readFileSync;
    return { qualityScore: self.endsWith('${ext}') ? 1 : 0, processed: items.length };
  },
};
`;
const esmVersion = `const version: string = '2.0.0';\nexport default version;\n`;

/** CommonJS: require, module.exports, __dirname. */
const cjsSkill = (name: string) => `
const { basename } = require('node:path');
const folder: string = basename(__dirname);
module.exports = {
  name: '${name}',
  version: '3.0.0',
  async run(items: { id: string }[]) {
    return { qualityScore: folder.length > 0 ? 1 : 0, processed: items.length };
  },
};
`;

/** ES syntax in a .cts file: compiled to CommonJS, with the skill under exports.default. */
const ctsWithExportDefault = `
const version: string = '4.0.0';
export default { name: 'cts-default', version, async run(items: unknown[]) { return { qualityScore: 1, processed: items.length }; } };
`;

function folder(label: string, type: string | undefined): string {
  const dir = join(root, label.replace(/\W+/g, '-'));
  mkdirSync(dir, { recursive: true });
  if (type !== undefined) writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'fixture', type }));
  return dir;
}

/** Writes a fixture now; the loader process loads them all before the tests look at the results. */
function fixture(dir: string, file: string, source: string, load = true): string {
  const path = join(dir, file);
  writeFileSync(path, source);
  if (load) fixtures.push(path);
  return path;
}

function expectLoaded(file: string, name: string, version: string): void {
  expect(loaded[file]).toEqual({ name, version, result: { qualityScore: 1, processed: 1 } });
}

const cases = Object.entries(layouts).map(([label, type]) => {
  const dir = folder(label, type);
  fixture(dir, 'version.ts', esmVersion, false);
  fixture(dir, 'version.mts', esmVersion, false);
  return {
    label,
    type,
    esmTs: fixture(dir, 'esm-skill.ts', esmSkill('esm-ts', '.ts')),
    mts: fixture(dir, 'esm-skill.mts', esmSkill('esm-mts', '.mts')),
    cjsCts: fixture(dir, 'cjs-skill.cts', cjsSkill('cjs-cts')),
    defaultCts: fixture(dir, 'default-skill.cts', ctsWithExportDefault),
    // Node itself refuses CommonJS in a "type": "module" package, so that combination is not offered.
    cjsTs: type === 'module' ? undefined : fixture(dir, 'cjs-skill.ts', cjsSkill('cjs-ts')),
  };
});

beforeAll(async () => {
  loaded = await loadAll();
}, 60_000);

describe.each(cases)('a TypeScript skill with $label', ({ type, esmTs, mts, cjsCts, defaultCts, cjsTs }) => {
  it('.ts written as an ES module loads as one (import.meta, top-level await, a relative .ts import)', () => {
    expectLoaded(esmTs, 'esm-ts', '2.0.0');
  });

  it('.mts loads as an ES module', () => {
    expectLoaded(mts, 'esm-mts', '2.0.0');
  });

  it('.cts loads as CommonJS, written with module.exports or with export default', () => {
    expectLoaded(cjsCts, 'cjs-cts', '3.0.0');
    expectLoaded(defaultCts, 'cts-default', '4.0.0');
  });

  it.skipIf(type === 'module')('.ts written as CommonJS loads as CommonJS (require, module.exports, __dirname)', () => {
    expectLoaded(cjsTs ?? '', 'cjs-ts', '3.0.0');
  });
});

describe('scenarios run --skill ./skill.ts outside any package', () => {
  it('loads it as an ES module and runs it', async () => {
    const dir = folder('cli-no-package', undefined);
    writeFileSync(join(dir, 'version.ts'), esmVersion);
    writeFileSync(join(dir, 'my-skill.ts'), esmSkill('cli-skill', '.ts'));
    const config = join(repoRoot, 'test', 'fixtures', 'fast-config.json');
    const env: NodeJS.ProcessEnv = { ...process.env, CI: '1' };
    delete env.DATABASE_URL;
    const child = spawn(process.execPath, [cliPath, 'run', config, '--skill', './my-skill.ts', '--db', 'memory', '--json'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code, stderr).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ skill: { name: 'cli-skill', version: '2.0.0' } });
  }, 60_000);
});
