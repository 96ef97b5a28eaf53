import { cac, type CAC } from 'cac';
import { commandSpecs, type CommandSpec } from './options.ts';
import type { CliIO } from './io.ts';

function register(cli: CAC, spec: CommandSpec, action: (...args: unknown[]) => Promise<void>) {
  const command = cli.command(spec.usage, spec.description);
  for (const option of spec.options) command.option(option.flags, option.description);
  // cac gives a `--no-x` flag the default `x: true` and prints "(default: true)" after it, which reads as
  // "this is on by default"; `x` stays undefined unless the flag is given (the commands test `=== false`).
  for (const option of command.options) if (option.negated) option.config.default = undefined;
  for (const example of spec.examples) command.example(example);
  command.action(action);
}

/**
 * Builds the `scenarios` parser. Each action stores its exit code in `io.exitCode`; only src/cli/index.ts
 * exits the process. Command modules load lazily so `--help` stays fast.
 */
type Options = Record<string, unknown>;
type IdCommand = (id: string, options: Options, io: CliIO) => Promise<number>;
type PlainCommand = (options: Options, io: CliIO) => Promise<number>;

export function createCli(io: CliIO): CAC {
  const cli = cac('scenarios');
  // Each loader imports its command module only when that command runs.
  const withId = (load: () => Promise<IdCommand>) => async (id: unknown, options: unknown) => {
    io.exitCode = await (await load())(String(id), options as Options, io);
  };
  const plain = (load: () => Promise<PlainCommand>) => async (options: unknown) => {
    io.exitCode = await (await load())(options as Options, io);
  };
  register(cli, commandSpecs.run, async (config, options) => {
    const { runCommand } = await import('./commands/run.ts');
    io.exitCode = await runCommand(config as string | undefined, options as Options, io);
  });
  register(cli, commandSpecs.resume, withId(async () => (await import('./commands/resume.ts')).resumeCommand));
  register(cli, commandSpecs.list, plain(async () => (await import('./commands/stored.ts')).listCommand));
  register(cli, commandSpecs.status, withId(async () => (await import('./commands/stored.ts')).statusCommand));
  register(cli, commandSpecs.report, withId(async () => (await import('./commands/stored.ts')).reportCommand));
  register(cli, commandSpecs.inspect, withId(async () => (await import('./commands/inspect.ts')).inspectCommand));
  register(cli, commandSpecs.diagram, plain(async () => (await import('./commands/diagram.ts')).diagramCommand));
  register(cli, commandSpecs.init, plain(async () => (await import('./commands/init.ts')).initCommand));
  register(cli, commandSpecs.baseline, async (action, target, options) => {
    const { baselineCommand } = await import('./commands/baseline.ts');
    io.exitCode = await baselineCommand(String(action), typeof target === 'string' || typeof target === 'number' ? String(target) : undefined, options as Options, io);
  });
  register(cli, commandSpecs.compare, async (a, b, options) => {
    const { compareCommand } = await import('./commands/compare.ts');
    io.exitCode = await compareCommand(String(a), String(b), options as Options, io);
  });
  register(cli, commandSpecs.worker, plain(async () => (await import('./commands/worker.ts')).workerCommand));
  register(cli, commandSpecs.schema, plain(async () => (await import('./commands/schema.ts')).schemaCommand));
  cli.help();
  cli.version('0.1.0');
  return cli;
}
