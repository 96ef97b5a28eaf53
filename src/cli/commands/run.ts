import { resolve } from 'node:path';
import { createDurableOrchestration } from '../../api/durableOrchestration.ts';
import { loadSkillModule } from '../../actors/loadSkill.ts';
import type { Skill } from '../../actors/skill.ts';
import { defaultConfig } from '../../config/defaultConfig.ts';
import { loadConfigFile } from '../../config/loadConfigFile.ts';
import { parseConfig, requireInputSizes } from '../../config/parseConfig.ts';
import type { OrchestrationConfig } from '../../config/schema.ts';
import { UsageError } from '../../errors.ts';
import { openStore } from '../../persistence/openStore.ts';
import { rememberRunStore } from '../runIndex.ts';
import { leaseMsFrom, storeOptions, type CliIO } from '../io.ts';
import { driveInTerminal, parseFormat, type Format } from '../driveInTerminal.ts';
import { parseInspectOption, startRunInspection, type InspectMode, type RunInspection } from '../inspectRun.ts';

export interface RunOptions {
  skill?: string;
  seed?: number;
  format: Format;
  id?: string;
  db?: string;
  inspect?: InspectMode;
}

export function parseRunOptions(raw: Record<string, unknown>): RunOptions {
  const format = parseFormat(raw);
  if (raw.skill !== undefined && (typeof raw.skill !== 'string' || raw.skill === '')) throw new UsageError('--skill needs a module path');
  if (raw.id !== undefined && (typeof raw.id !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(raw.id))) {
    throw new UsageError('--id must be 1-64 letters, digits, "_", "." or "-", starting with a letter or digit');
  }
  if (raw.db !== undefined && (typeof raw.db !== 'string' || raw.db === '')) throw new UsageError('--db needs a value: postgres://…, memory, or a folder');
  const inspect = parseInspectOption(raw.inspect);
  let seed: number | undefined;
  if (raw.seed !== undefined) {
    seed = Number(raw.seed);
    if (!Number.isSafeInteger(seed)) throw new UsageError(`--seed must be an integer (got ${JSON.stringify(raw.seed)})`);
  }
  return {
    format,
    ...(typeof raw.skill === 'string' ? { skill: raw.skill } : {}),
    ...(seed !== undefined ? { seed } : {}),
    ...(typeof raw.id === 'string' ? { id: raw.id } : {}),
    ...(typeof raw.db === 'string' ? { db: raw.db } : {}),
    ...(inspect ? { inspect } : {}),
  };
}

export async function resolveRunInputs(
  configPath: string | undefined,
  options: Pick<RunOptions, 'seed' | 'skill'>,
  cwd: string,
): Promise<{ config: OrchestrationConfig; skill?: Skill; skillModule?: string }> {
  let config = configPath === undefined ? parseConfig(defaultConfig, 'built-in default') : requireInputSizes(await loadConfigFile(configPath, cwd));
  if (options.seed !== undefined) config = { ...config, seed: options.seed };
  const modulePath = options.skill ?? ('module' in config.skill ? config.skill.module : undefined);
  if (modulePath === undefined) return { config };
  const skill = await loadSkillModule(modulePath, cwd);
  return { config, skill, skillModule: resolve(cwd, modulePath) };
}

export async function runCommand(configPath: string | undefined, raw: Record<string, unknown>, io: CliIO): Promise<number> {
  const options = parseRunOptions(raw);
  const { config, skill, skillModule } = await resolveRunInputs(configPath, options, io.cwd);
  const store = await openStore(options.db, io.env, storeOptions(io));
  let inspection: RunInspection | undefined;
  try {
    inspection = options.inspect ? await startRunInspection(options.inspect, io) : undefined;
    const run = await createDurableOrchestration(config, {
      store,
      ...(skill ? { skill } : {}),
      ...(skillModule ? { skillModule } : {}),
      ...(options.id ? { id: options.id } : {}),
      ...leaseMsFrom(io.env),
      ...(inspection?.inspect ? { inspect: inspection.inspect } : {}),
    });
    rememberRunStore(io.cwd, run.id, options.db);
    // The id comes first (on stderr: stdout is for the report only), so a user who has to interrupt the run knows what to resume.
    io.stderr.write(`orchestration ${run.id}\n`);
    io.stderr.write(`skill ${run.skill.name}@${run.skill.version}, ${config.scenarios.length} scenario(s), seed ${config.seed}, store ${store.description}\n`);
    inspection?.attach(run);
    run.start();
    const code = await driveInTerminal(run, options.format, io);
    // With --inspect, a finished run stays on view until Ctrl+C.
    await inspection?.holdOpen(run);
    return code;
  } finally {
    await inspection?.close();
    await store.close();
  }
}
