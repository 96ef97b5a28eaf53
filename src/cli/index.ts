import { z } from 'zod';
import { ConfigError, ScenarioError, toError } from '../errors.ts';
import { createCli } from './createCli.ts';
import { ExitCode, processIO } from './io.ts';

/** The only place that ends the process: every failure becomes one message and an exit code. */
async function main(): Promise<void> {
  const io = processIO();
  try {
    const cli = createCli(io);
    cli.parse(process.argv, { run: false });
    if (!cli.matchedCommand) {
      if (cli.options.help || cli.options.version) return process.exit(0);
      const unknown = cli.args[0];
      if (unknown !== undefined) throw new ScenarioError('usage', `unknown command "${unknown}" (see scenarios --help)`);
      cli.outputHelp();
      return process.exit(0);
    }
    await cli.runMatchedCommand();
    process.exit(io.exitCode);
  } catch (error) {
    process.exit(report(error, io.stderr));
  }
}

function report(error: unknown, stderr: NodeJS.WritableStream): number {
  if (error instanceof ConfigError) {
    stderr.write(`scenarios: ${error.message}\n`);
    return ExitCode.usage;
  }
  if (error instanceof z.ZodError) {
    stderr.write(`scenarios: invalid input:\n${z.prettifyError(error)}\n`);
    return ExitCode.usage;
  }
  if (error instanceof ScenarioError) {
    stderr.write(`scenarios: ${error.message}\n`);
    if (error.code === 'usage' || error.code === 'skill_invalid' || error.code === 'not_found') return ExitCode.usage;
    if (error.code === 'lease_held') return ExitCode.leaseHeld;
    return ExitCode.scenarioFailed;
  }
  const e = toError(error);
  // cac reports bad flags and missing arguments as CACError.
  if (e.name === 'CACError') {
    stderr.write(`scenarios: ${e.message} (see scenarios --help)\n`);
    return ExitCode.usage;
  }
  stderr.write(`scenarios: unexpected error: ${e.stack ?? e.message}\n`);
  return ExitCode.scenarioFailed;
}

await main();
