import { createOrchestration } from '../../api/createOrchestration.ts';
import { loadSkillModule } from '../../actors/loadSkill.ts';
import type { Skill } from '../../actors/skill.ts';
import { defaultConfig } from '../../config/defaultConfig.ts';
import { loadConfigFile } from '../../config/loadConfigFile.ts';
import { parseConfig } from '../../config/parseConfig.ts';
import type { OrchestrationConfig } from '../../config/schema.ts';
import { UsageError } from '../../errors.ts';
import type { Report } from '../../report/schema.ts';
import { renderMarkdown } from '../../report/renderMarkdown.ts';
import { renderText } from '../../report/renderText.ts';
import { ExitCode, type CliIO } from '../io.ts';
import { barsView, linesView } from '../progressView.ts';

type Format = 'text' | 'md' | 'json';

export interface RunOptions {
  skill?: string;
  seed?: number;
  format: Format;
}

export function parseRunOptions(raw: Record<string, unknown>): RunOptions {
  const format = raw.json === true ? 'json' : (raw.format ?? 'text');
  if (format !== 'text' && format !== 'md' && format !== 'json') throw new UsageError(`--format must be text, md or json (got ${JSON.stringify(format)})`);
  if (raw.skill !== undefined && (typeof raw.skill !== 'string' || raw.skill === '')) throw new UsageError('--skill needs a module path');
  let seed: number | undefined;
  if (raw.seed !== undefined) {
    seed = Number(raw.seed);
    if (!Number.isSafeInteger(seed)) throw new UsageError(`--seed must be an integer (got ${JSON.stringify(raw.seed)})`);
  }
  return { format, ...(typeof raw.skill === 'string' ? { skill: raw.skill } : {}), ...(seed !== undefined ? { seed } : {}) };
}

export async function resolveRunInputs(configPath: string | undefined, options: RunOptions, cwd: string): Promise<{ config: OrchestrationConfig; skill?: Skill }> {
  let config = configPath === undefined ? parseConfig(defaultConfig, 'built-in default') : await loadConfigFile(configPath, cwd);
  if (options.seed !== undefined) config = { ...config, seed: options.seed };
  const modulePath = options.skill ?? ('module' in config.skill ? config.skill.module : undefined);
  const skill = modulePath === undefined ? undefined : await loadSkillModule(modulePath, cwd);
  return { config, ...(skill ? { skill } : {}) };
}

export function renderReport(report: Report, format: Format): string {
  if (format === 'json') return `${JSON.stringify(report, null, 2)}\n`;
  if (format === 'md') return renderMarkdown(report);
  return renderText(report);
}

export function exitCodeFor(report: Report): number {
  return Object.values(report.scenarios).every((s) => s.status === 'complete') ? ExitCode.ok : ExitCode.scenarioFailed;
}

export async function runCommand(configPath: string | undefined, raw: Record<string, unknown>, io: CliIO): Promise<number> {
  const options = parseRunOptions(raw);
  const { config, skill } = await resolveRunInputs(configPath, options, io.cwd);
  const run = createOrchestration(config, skill ? { skill } : {});
  io.stderr.write(`orchestration ${run.id}: skill ${run.skill.name}@${run.skill.version}, ${config.scenarios.length} scenario(s), seed ${config.seed}\n`);

  const view = options.format === 'json' ? undefined : io.interactive ? barsView(io.stderr, run.progress()) : linesView(io.stderr);
  if (view) run.subscribe((event) => view.update(event));
  run.start();
  try {
    const report = await run.result;
    view?.stop();
    const text = renderReport(report, options.format);
    io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    return exitCodeFor(report);
  } finally {
    view?.stop();
  }
}
