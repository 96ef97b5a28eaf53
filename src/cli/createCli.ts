import { cac, type CAC } from 'cac';
import { commandSpecs, type CommandSpec } from './options.ts';
import type { CliIO } from './io.ts';

function register(cli: CAC, spec: CommandSpec, action: (...args: unknown[]) => Promise<void>) {
  const command = cli.command(spec.usage, spec.description);
  for (const option of spec.options) command.option(option.flags, option.description);
  for (const example of spec.examples) command.example(example);
  command.action(action);
}

/**
 * Builds the `scenarios` parser. Each action stores its exit code in `io.exitCode`; only src/cli/index.ts
 * exits the process. Command modules load lazily so `--help` stays fast.
 */
export function createCli(io: CliIO): CAC {
  const cli = cac('scenarios');
  register(cli, commandSpecs.run, async (config, options) => {
    const { runCommand } = await import('./commands/run.ts');
    io.exitCode = await runCommand(config as string | undefined, options as Record<string, unknown>, io);
  });
  register(cli, commandSpecs.resume, async (id, options) => {
    const { resumeCommand } = await import('./commands/resume.ts');
    io.exitCode = await resumeCommand(String(id), options as Record<string, unknown>, io);
  });
  register(cli, commandSpecs.list, async (options) => {
    const { listCommand } = await import('./commands/stored.ts');
    io.exitCode = await listCommand(options as Record<string, unknown>, io);
  });
  register(cli, commandSpecs.status, async (id, options) => {
    const { statusCommand } = await import('./commands/stored.ts');
    io.exitCode = await statusCommand(String(id), options as Record<string, unknown>, io);
  });
  register(cli, commandSpecs.report, async (id, options) => {
    const { reportCommand } = await import('./commands/stored.ts');
    io.exitCode = await reportCommand(String(id), options as Record<string, unknown>, io);
  });
  register(cli, commandSpecs.inspect, async (id, options) => {
    const { inspectCommand } = await import('./commands/inspect.ts');
    io.exitCode = await inspectCommand(String(id), options as Record<string, unknown>, io);
  });
  register(cli, commandSpecs.diagram, async (options) => {
    const { diagramCommand } = await import('./commands/diagram.ts');
    io.exitCode = await diagramCommand(options as Record<string, unknown>, io);
  });
  cli.help();
  cli.version('0.1.0');
  return cli;
}
