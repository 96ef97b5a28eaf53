import { isCI } from 'std-env';

/** The CLI's view of the world, so tests can run commands in-process and read what they print. */
export interface CliIO {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Live progress bars only on an interactive terminal that is not CI. */
  interactive: boolean;
  cwd: string;
  env: NodeJS.ProcessEnv;
  exitCode: number;
}

export function processIO(): CliIO {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    interactive: Boolean(process.stderr.isTTY) && !isCI,
    cwd: process.cwd(),
    env: process.env,
    exitCode: 0,
  };
}

/** Exit codes: one meaning each, documented in the README. */
export const ExitCode = {
  ok: 0,
  scenarioFailed: 1,
  usage: 2,
  leaseHeld: 3,
  /** `--fail-on`: the finished run regressed against its reference, or broke a budget (src/compare/gate.ts). */
  regression: 4,
  interrupted: 130,
} as const;

/** `SCENARIOS_LEASE_MS` shortens the lease (tests, quick takeover after a crash); default 15 s. */
export function leaseMsFrom(env: NodeJS.ProcessEnv): { leaseMs?: number } {
  const value = Number(env.SCENARIOS_LEASE_MS);
  return Number.isFinite(value) && value >= 200 ? { leaseMs: value } : {};
}

/** How commands open stores: relative to the CLI's cwd, saying on stderr what opening waits for. */
export function storeOptions(io: CliIO): { cwd: string; onNotice: (message: string) => void } {
  return { cwd: io.cwd, onNotice: (message) => io.stderr.write(`${message}\n`) };
}
