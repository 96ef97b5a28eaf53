import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { register } from 'node:module';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { ScenarioError, toError } from '../errors.ts';
import { simulatedSkill } from './simulatedSkill.ts';
import { SkillShapeSchema, type Skill } from './skill.ts';
import { recordSkillOrigin } from './skillOrigin.ts';

/** Skills that ship with the library, by name. */
export const builtinSkills: Readonly<Record<string, Skill>> = { simulated: simulatedSkill };
// So `isolation: "worker"` can load the same skill in a worker thread (see workerSkill.ts).
for (const [name, skill] of Object.entries(builtinSkills)) recordSkillOrigin(skill, { builtin: name });

export function builtinSkill(name: string): Skill {
  const skill = builtinSkills[name];
  if (!skill) throw new ScenarioError('skill_invalid', `unknown built-in skill "${name}" (built-in: ${Object.keys(builtinSkills).join(', ')}); use { module: "./my-skill.ts" } for your own`);
  return skill;
}

/**
 * Imports a skill module (.js, .mjs, .cjs, or TypeScript: .ts, .mts, .cts, .tsx through tsx, on plain Node
 * too and wherever the file lives) and checks its default export is `{ name, version, run }`. A relative `path` resolves against `cwd`;
 * a config file's `skill.module` is already absolute (loadConfigFile resolves it against the file's folder).
 */
export async function loadSkillModule(path: string, cwd = process.cwd()): Promise<Skill> {
  const absolute = resolve(cwd, path);
  if (!existsSync(absolute)) throw new ScenarioError('skill_invalid', `skill module not found: ${absolute}`);
  let module: unknown;
  try {
    module = await importModule(absolute);
  } catch (error) {
    throw new ScenarioError('skill_invalid', `could not load skill module ${absolute}: ${toError(error).message}`, { cause: error });
  }
  const candidate = defaultExport(module);
  const parsed = SkillShapeSchema.safeParse(candidate);
  if (!parsed.success) {
    throw new ScenarioError(
      'skill_invalid',
      `${absolute} must default-export { name, version, run(items, ctx) } (use defineSkill): ${z.prettifyError(parsed.error).replaceAll('\n', ' ')}`,
    );
  }
  recordSkillOrigin(candidate as Skill, { module: absolute });
  return candidate as Skill;
}

const TYPESCRIPT = /\.[cm]?tsx?$/i;

/** A TypeScript module through tsx (also on plain Node, and wherever the file lives); anything else by import(). */
async function importModule(absolute: string): Promise<unknown> {
  const url = pathToFileURL(absolute).href;
  if (!TYPESCRIPT.test(absolute)) return import(url);
  const importTypeScript = await typeScriptImporter();
  return importTypeScript(url);
}

/**
 * The default export; a CommonJS module compiled from `export default` (a .cts file, or a .ts file written
 * as CommonJS) carries it as `module.exports.default` beside `__esModule`.
 */
function defaultExport(module: unknown): unknown {
  const first = (module as { default?: unknown }).default ?? module;
  if (typeof first === 'object' && first !== null && '__esModule' in first && 'default' in first) return first.default;
  return first;
}

let importer: Promise<(url: string) => Promise<unknown>> | undefined;

/**
 * tsx, registered once under a namespace of its own, so it neither needs nor disturbs a loader the process
 * already has (the CLI's), plus a resolve hook (see FORMAT_HOOK) registered before it, so it runs after
 * tsx's resolve and has the last word on a .ts file's format.
 */
function typeScriptImporter(): Promise<(url: string) => Promise<unknown>> {
  importer ??= (async () => {
    const namespace = `scenarios-skill-${randomUUID()}`;
    register(`data:text/javascript,${encodeURIComponent(FORMAT_HOOK)}`, { data: { namespace } });
    const [{ register: registerCjs }, { register: registerEsm }] = await Promise.all([import('tsx/cjs/api'), import('tsx/esm/api')]);
    registerCjs({ namespace });
    const tsx = registerEsm({ namespace });
    // tsx marks what a namespaced import loads with ?tsx-namespace=…; the same mark on the parent of the
    // skill itself lets the format hook tell the skill's files from everything else in the process.
    const parent = `${import.meta.url}?tsx-namespace=${encodeURIComponent(namespace)}`;
    return (url: string) => tsx.import(url, parent) as Promise<unknown>;
  })();
  importer.catch(() => (importer = undefined)); // a failed set-up is tried again by the next load
  return importer;
}

/**
 * Node's resolve hook for the skill's `.ts`/`.tsx` files outside a `"type": "module"` package, where tsx
 * alone would load them as CommonJS (so `import.meta` and top-level await fail, and before this a plain
 * `import()` failed outright). They load as ES modules, unless the file is written as CommonJS
 * (`require(`, `module.exports`, `exports.x =`, `__dirname`, `__filename`, `export =`, `import x = require(`)
 * and uses nothing only an ES module has (`import.meta`, top-level await); then as CommonJS, as tsx would.
 * `.mts`, `.cts`, files in `"type": "module"` packages and everything outside the skill are left alone.
 */
const FORMAT_HOOK = String.raw`
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let namespace = '';
export function initialize(data) {
  namespace = data.namespace;
}

function fromSkill(parentURL) {
  try {
    return new URL(parentURL).searchParams.get('tsx-namespace') === namespace;
  } catch {
    return false;
  }
}

function packageType(file) {
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    let text;
    try {
      text = readFileSync(join(dir, 'package.json'), 'utf8');
    } catch {
      if (dirname(dir) === dir) return 'commonjs';
      continue;
    }
    try {
      return JSON.parse(text).type === 'module' ? 'module' : 'commonjs';
    } catch {
      return 'commonjs';
    }
  }
}

function formatOf(source) {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/^\s*\/\/.*$/gm, ' ');
  if (/^\s*export\s*=/m.test(code) || /^\s*import\s+[\w$]+\s*=\s*require\s*\(/m.test(code)) return 'commonjs';
  const esmOnly = /\bimport\.meta\b/.test(code) || /^(?:export\s+)?(?:(?:const|let|var)\s[^=\n]*=\s*)?await\b/m.test(code);
  const commonJs = /\brequire\s*\(|\bmodule\.exports\b|\bexports\.[\w$]+\s*=|\b__dirname\b|\b__filename\b/.test(code);
  return commonJs && !esmOnly ? 'commonjs' : 'module';
}

export async function resolve(specifier, context, nextResolve) {
  if (!context.parentURL || !fromSkill(context.parentURL)) return nextResolve(specifier, context);
  // Resolved as from the unmarked parent: a loader further down the chain (the CLI's own tsx) would
  // otherwise see tsx's namespace mark and settle the file as CommonJS on its own.
  const parent = new URL(context.parentURL);
  parent.searchParams.delete('tsx-namespace');
  const plain = await nextResolve(specifier, { ...context, parentURL: parent.href });
  if (plain.url.startsWith('file:')) {
    const file = fileURLToPath(new URL(plain.url.split('?')[0]));
    if (/\.tsx?$/i.test(file) && packageType(file) !== 'module') {
      let source = '';
      try {
        source = readFileSync(file, 'utf8');
      } catch {
        // unreadable: leave it to the next loader
      }
      if (source && formatOf(source) === 'module') return { ...plain, format: 'module' };
    }
  }
  return nextResolve(specifier, context);
}
`;
