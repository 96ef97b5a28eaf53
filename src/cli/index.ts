import { ConfigError, ScenarioError, toError } from '../errors.ts';
import { createCli } from './createCli.ts';
import { ExitCode, processIO } from './io.ts';
import { checkInvocation } from './suggest.ts';

/** The only place that ends the process: every failure becomes one message and an exit code. */
async function main(): Promise<void> {
  const io = processIO();
  // A reader that went away (`scenarios status x | head -1`) ends the command quietly, as a shell tool does,
  // instead of with an unhandled EPIPE and its stack trace.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(io.exitCode);
    throw error;
  });
  try {
    const cli = createCli(io);
    cli.parse(process.argv, { run: false });
    checkInvocation(cli, process.argv);
    if (!cli.matchedCommand) {
      // cac has printed --help / --version already; a bare `scenarios` shows the help.
      if (!cli.options.help && !cli.options.version) cli.outputHelp();
      return await exit(ExitCode.ok);
    }
    await cli.runMatchedCommand();
    await exit(io.exitCode);
  } catch (error) {
    await exit(await report(error, io.stderr));
  }
}

/**
 * Exits once stdout and stderr have handed everything to the OS: on a pipe, process.exit() alone drops
 * whatever is still queued (a 385 KB report came out as its first 64 KB).
 */
async function exit(code: number): Promise<never> {
  await Promise.all([drained(process.stdout), drained(process.stderr)]);
  process.exit(code);
}

/** Resolves once everything written so far has been flushed; an empty write's callback runs after them. */
function drained(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.destroyed || !stream.writable) return resolve();
    // A reader that went away (`| head`) is not our failure: stop waiting.
    stream.once('error', () => resolve());
    stream.write('', () => resolve());
  });
}

async function report(error: unknown, stderr: NodeJS.WritableStream): Promise<number> {
  if (error instanceof ConfigError) {
    stderr.write(`scenarios: ${error.message}\n`);
    return ExitCode.usage;
  }
  // zod is imported here, not up front, so --help and --version do not load it (about 40 ms); a command that
  // raised a ZodError has loaded it already, and this import gives the same module.
  if (error instanceof Error && error.name === 'ZodError') {
    const { z } = await import('zod');
    if (error instanceof z.ZodError) {
      stderr.write(`scenarios: invalid input:\n${z.prettifyError(error)}\n`);
      return ExitCode.usage;
    }
  }
  if (error instanceof ScenarioError) {
    stderr.write(`scenarios: ${error.message}\n`);
    if (error.code === 'usage' || error.code === 'skill_invalid' || error.code === 'not_found') return ExitCode.usage;
    // A malformed dataset file, or one changed since its run started, is bad input too.
    if (error.code === 'dataset_invalid' || error.code === 'dataset_changed') return ExitCode.usage;
    if (error.code === 'lease_held') return ExitCode.leaseHeld;
    return ExitCode.scenarioFailed;
  }
  const e = toError(error);
  // cac reports bad flags and missing arguments as CACError.
  if (e.name === 'CACError') {
    stderr.write(`scenarios: ${e.message} (see scenarios --help)\n`);
    return ExitCode.usage;
  }
  // A stack trace helps a bug report, not a user: shown only when asked for.
  if (process.env.SCENARIOS_DEBUG) stderr.write(`scenarios: unexpected error: ${e.stack ?? e.message}\n`);
  else stderr.write(`scenarios: unexpected error: ${e.message} (SCENARIOS_DEBUG=1 shows where)\n`);
  return ExitCode.scenarioFailed;
}

await main();
