import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { builtinSkill, loadSkillModule } from '../../src/actors/loadSkill.ts';
import { ScenarioError } from '../../src/errors.ts';

// The modules loadSkillModule refuses, loaded in the vitest process itself (loadSkill.test.ts loads good
// ones in a child process set up as the CLI is). Plain .mjs files, so import() loads them as they are.
const root = mkdtempSync(join(tmpdir(), 'scenarios-guard-skills-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function module(file: string, source: string): string {
  writeFileSync(join(root, file), source);
  return join(root, file);
}

async function refusal(load: Promise<unknown>): Promise<ScenarioError> {
  const error: unknown = await load.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ScenarioError);
  return error as ScenarioError;
}

const mustExport = (path: string, reason: string) => `${path} must default-export { name, version, run(items, ctx) } (use defineSkill): ${reason}`;

describe('loading a skill: what is refused, and why', () => {
  it('names the built-in skills when asked for one that does not exist', () => {
    expect(() => builtinSkill('nope')).toThrow(ScenarioError);
    expect(() => builtinSkill('nope')).toThrow(
      expect.objectContaining({ code: 'skill_invalid', message: 'unknown built-in skill "nope" (built-in: simulated); use { module: "./my-skill.ts" } for your own' }),
    );
  });

  it('says which file is missing, resolved against the folder given', async () => {
    const error = await refusal(loadSkillModule('missing.mjs', root));
    expect(error).toMatchObject({ code: 'skill_invalid', message: `skill module not found: ${join(root, 'missing.mjs')}` });
  });

  it("passes on a module's own error when it throws while loading, keeping it as the cause", async () => {
    const path = module('throws.mjs', "throw new Error('boom');\n");
    const error = await refusal(loadSkillModule(path));
    expect(error).toMatchObject({ code: 'skill_invalid', message: `could not load skill module ${path}: boom` });
    expect(error.cause).toBeInstanceOf(Error);
    expect((error.cause as Error).message).toBe('boom');
  });

  it('refuses a default export that is not a skill, every reason on one line', async () => {
    const path = module('partial.mjs', "export default { name: 'x' };\n");
    const error = await refusal(loadSkillModule(path));
    expect(error.code).toBe('skill_invalid');
    expect(error.message).toBe(mustExport(path, '✖ Invalid input: expected string, received undefined   → at version ✖ must be a function   → at run'));
  });

  it('refuses an empty default export, naming all three fields', async () => {
    const path = module('empty.mjs', 'export default {};\n');
    const error = await refusal(loadSkillModule(path));
    expect(error.message).toBe(
      mustExport(
        path,
        '✖ Invalid input: expected string, received undefined   → at name ✖ Invalid input: expected string, received undefined   → at version ✖ must be a function   → at run',
      ),
    );
  });

  it('refuses an empty name or version', async () => {
    const path = module('blank.mjs', "export default { name: '', version: '', run() {} };\n");
    const error = await refusal(loadSkillModule(path));
    expect(error.message).toBe(
      mustExport(path, '✖ Too small: expected string to have >=1 characters   → at name ✖ Too small: expected string to have >=1 characters   → at version'),
    );
  });

  it('refuses a run that is not a function', async () => {
    const path = module('not-callable.mjs', "export default { name: 'x', version: '1', run: 5 };\n");
    const error = await refusal(loadSkillModule(path));
    expect(error.message).toBe(mustExport(path, '✖ must be a function   → at run'));
  });

  it('loads a well-formed skill as the module exported it', async () => {
    const path = module('good.mjs', "export default { name: 'good-skill', version: '1.0.0', run: (items) => ({ qualityScore: 1, processed: items.length }) };\n");
    const skill = await loadSkillModule(path);
    expect([skill.name, skill.version]).toEqual(['good-skill', '1.0.0']);
    expect(await skill.run([], {} as never)).toEqual({ qualityScore: 1, processed: 0 });
  });
});
