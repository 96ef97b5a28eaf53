import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '../../errors.ts';
import { ExitCode, type CliIO } from '../io.ts';
import { STARTER_CONFIG_FILE, skillFileName, starterConfig, starterSkill } from '../starterFiles.ts';

/**
 * `scenarios init [--js] [--force]`: a commented starter config and a skill file in the current folder.
 * Refuses (and writes nothing) if either exists, unless --force.
 */
export async function initCommand(options: Record<string, unknown>, io: CliIO): Promise<number> {
  const language = options.js === true ? 'js' : 'ts';
  const force = options.force === true;
  const skillFile = skillFileName(language);
  const files = [
    { name: STARTER_CONFIG_FILE, text: starterConfig(skillFile), what: `three scenarios (simple, medium, complex) over ./${skillFile}` },
    { name: skillFile, text: starterSkill(language), what: 'your skill: replace the body of run with your own work' },
  ];
  const existing = files.filter((file) => existsSync(join(io.cwd, file.name))).map((file) => file.name);
  if (existing.length > 0 && !force) {
    throw new UsageError(`${existing.join(' and ')} already exist${existing.length > 1 ? '' : 's'} in ${io.cwd}: nothing written (--force replaces ${existing.length > 1 ? 'them' : 'it'})`);
  }
  const width = Math.max(...files.map((file) => file.name.length));
  for (const file of files) {
    // 'wx' unless --force: a file that appeared since the check above is still not overwritten.
    await writeFile(join(io.cwd, file.name), file.text, { flag: force ? 'w' : 'wx' });
    io.stdout.write(`${existing.includes(file.name) ? 'replaced' : 'wrote'} ${file.name.padEnd(width)}  ${file.what}\n`);
  }
  if (!existsSync(join(io.cwd, 'node_modules', 'scenario-orchestrator'))) {
    io.stdout.write(`\n${skillFile} imports scenario-orchestrator: install it here first (npm install --save-dev scenario-orchestrator)\n`);
  }
  io.stdout.write(`\nnext: npx scenarios run ${STARTER_CONFIG_FILE}\n`);
  return ExitCode.ok;
}
