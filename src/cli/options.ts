/**
 * Every command and option of the `scenarios` CLI in one table: createCli builds the parser from it and
 * `npm run docs:cli` renders the README's CLI reference from it, so help and docs cannot drift.
 */
export interface OptionSpec {
  /** cac flag syntax, e.g. `--seed <n>`. */
  flags: string;
  description: string;
}

export interface CommandSpec {
  usage: string;
  description: string;
  options: OptionSpec[];
  examples: string[];
}

const jsonOption: OptionSpec = { flags: '--json', description: 'Print only the result as JSON on stdout (progress and logs go to stderr)' };

export const commandSpecs = {
  run: {
    usage: 'run [config]',
    description: 'Run a skill under every scenario of CONFIG (a JSON file; default: the built-in simple/medium/complex) and print the comparison report',
    options: [
      { flags: '--skill <file>', description: 'Skill module (.js or .ts) whose default export is { name, version, run } (default: the config\'s skill, else the built-in "simulated")' },
      { flags: '--seed <n>', description: 'Seed for input data and simulated outcomes (overrides the config\'s seed)' },
      { flags: '--format <format>', description: 'Report format: text, md or json (default: text)' },
      jsonOption,
    ],
    examples: ['scenarios run', 'scenarios run my-scenarios.json --skill ./my-skill.ts --seed 7', 'scenarios run --json > result.json'],
  },
} satisfies Record<string, CommandSpec>;

export type CommandName = keyof typeof commandSpecs;
