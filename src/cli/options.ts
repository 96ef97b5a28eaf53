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
const dbOption: OptionSpec = {
  flags: '--db <store>',
  description: 'Where runs are stored: postgres://… (a server), memory (nothing kept), or a folder for embedded PGlite (default: $DATABASE_URL, else .scenarios/db)',
};
/** For commands that name a run: the store it was started with is remembered in .scenarios/runs.json. */
const runDbOption: OptionSpec = {
  flags: '--db <store>',
  description: 'The store holding the run (default: the --db it was started with in this directory, else $DATABASE_URL, else .scenarios/db)',
};
const formatOption: OptionSpec = { flags: '--format <format>', description: 'Report format: text, md, json or html (one self-contained page with charts, of one run: refused with --repeat and for an experiment id, whose repeats E.r1… each have one; default: text; --json means --format json, so --json with another format is refused)' };

export const commandSpecs = {
  run: {
    usage: 'run [config]',
    description: 'Run a skill under every scenario of CONFIG (a JSON file, comments allowed; default: the built-in simple/medium/complex) and print the comparison report',
    options: [
      {
        flags: '--skill <file>',
        description: 'Skill module (.js or .ts) whose default export is { name, version, run } (default: the config\'s skill, else the built-in "simulated"); given twice, an A/B run of version a and b on the same items (README, "A/B")',
      },
      {
        flags: '--skill-command <command>',
        description: 'A program speaking JSON lines on stdin/stdout (docs/skill-protocol.md), one per scenario, e.g. "python3 my_skill.py" (quoted as in a shell; overrides the config\'s skill; not with --skill); given twice, an A/B run of the two',
      },
      { flags: '--seed <n>', description: 'Seed for input data and simulated outcomes (overrides the config\'s seed)' },
      formatOption,
      jsonOption,
      { flags: '--id <id>', description: 'Orchestration id (default: orch- and 8 random hex digits; not ending in .r<number>, which names the repeats of an experiment)' },
      {
        flags: '--repeat <n>',
        description: "Run the whole orchestration N times (1-100, overrides the config's repeat), one after another, as experiment --id (default exp- and 8 hex digits) with runs <id>.r1…<id>.rN, and print the experiment report: per scenario, medians and means with 95% CIs and outlier repeats",
      },
      { flags: '--same-data', description: "With --repeat: every repeat uses the seed itself (the same items and draws) instead of a seed derived from it per repeat" },
      { flags: '--concurrency <n>', description: "Most batches in flight at once across all scenarios (overrides the config's maxConcurrency; kept with the run, so resume keeps it)" },
      {
        flags: '--workers <where>',
        description: 'Where batches run: local (this process, the default) or remote (scenarios worker processes on any host, through the --db postgres://… server; overrides the config\'s execution.mode; README "Running on several machines")',
      },
      dbOption,
      {
        flags: '--no-cache',
        description: "Run the skill for every batch: take nothing from the batch cache and store nothing in it, even where the config sets cacheEnabled (recorded with the run, so resume does the same)",
      },
      {
        flags: '--against <ref>',
        description: 'After the run, compare it with this baseline name, run id or experiment id (scenarios compare); with --fail-on, gate on the comparison',
      },
      {
        flags: '--fail-on <rules>',
        description:
          'Exit 4 when a rule fails, e.g. "quality<-0.02,timePerItem>+10%" (a significant change past the threshold against --against) or "budgets" (a budget did not hold); one line per rule after the report',
      },
      {
        flags: '--inspect [port]',
        description: 'Serve the live inspector page on 127.0.0.1:PORT (default 4319; works offline) and keep serving after the run until Ctrl+C; --inspect=stately streams to the Stately inspector instead (needs the internet)',
      },
    ],
    examples: ['scenarios run', 'scenarios run my-scenarios.json --skill ./my-skill.ts --seed 7', 'scenarios run --skill-command "python3 my_skill.py"', 'scenarios run --skill ./v1.ts --skill ./v2.ts', 'scenarios run --json > result.json', 'scenarios run --repeat 5 --json > experiment.json', 'scenarios run --db postgres://localhost/scenarios', 'scenarios run --inspect', 'scenarios run my-scenarios.json --inspect=8080'],
  },
  resume: {
    usage: 'resume <id>',
    description: 'Restore a stored orchestration (after a crash or Ctrl+C) and finish it; recorded batches are not re-run. With an experiment id: finish its interrupted repeat, run the repeats not started, and print the experiment report',
    options: [
      { flags: '--skill <file>', description: 'Skill module to use (default: the one recorded when the run started)' },
      { flags: '--skill-command <command>', description: 'Skill program to use, as for run (default: the skill recorded when the run started)' },
      formatOption,
      jsonOption,
      runDbOption,
      {
        flags: '--wait',
        description: "If another process holds the run's lease, wait for it to expire (a countdown on stderr) instead of exiting with code 3; a driver that died on this host is taken over at once either way",
      },
    ],
    examples: ['scenarios resume orch-1a2b3c4d', 'scenarios resume orch-1a2b3c4d --wait', 'scenarios resume exp-1a2b3c4d'],
  },
  list: {
    usage: 'list',
    description:
      'List stored orchestrations, newest first, then a line per experiment (run --repeat): its status and how many of its repeats are stored. With --json, an array: each run with "kind": "run", then each experiment as { "kind": "experiment", id, status, repeats (planned), stored, repeatStatuses, runs }',
    options: [jsonOption, dbOption],
    examples: ['scenarios list', 'scenarios list --json --db postgres://localhost/scenarios'],
  },
  status: {
    usage: 'status <id>',
    description: 'Show where a stored orchestration is: status, owner, and each scenario\'s progress; with an experiment id, where each of its repeats is',
    options: [jsonOption, runDbOption],
    examples: ['scenarios status orch-1a2b3c4d'],
  },
  report: {
    usage: 'report <id>',
    description: 'Rebuild the comparison report of a stored orchestration from its rows, without running anything; with an experiment id (run --repeat), the experiment report over its repeats',
    options: [formatOption, jsonOption, runDbOption],
    examples: ['scenarios report orch-1a2b3c4d --format md > report.md', 'scenarios report orch-1a2b3c4d --format html > report.html'],
  },
  inspect: {
    usage: 'inspect <id>',
    description: 'Serve the inspector page for a stored orchestration (finished or interrupted): its cards, barriers, statecharts and report',
    options: [
      { flags: '--port <port>', description: 'Port on 127.0.0.1 (default 4319; 0 picks a free one)' },
      { flags: '--json', description: 'Print the stored run (status, progress, barriers, report) as JSON instead of serving the page' },
      runDbOption,
    ],
    examples: ['scenarios inspect orch-1a2b3c4d', 'scenarios inspect orch-1a2b3c4d --json'],
  },
  diagram: {
    usage: 'diagram',
    description: 'Print a statechart, generated from the machine definition: Mermaid, Graphviz DOT, SVG (rendered offline) or JSON',
    options: [
      { flags: '--machine <name>', description: 'orchestrator or scenario (default: orchestrator)' },
      { flags: '--format <format>', description: 'mermaid, dot, svg or json (default: mermaid)' },
    ],
    examples: ['scenarios diagram', 'scenarios diagram --machine scenario --format svg > scenario.svg'],
  },
  init: {
    usage: 'init',
    description: 'Write a commented starter config (scenarios.config.jsonc: three scenarios over your skill) and a skill file (skill.ts) into the current folder',
    options: [
      { flags: '--js', description: 'Write the skill in JavaScript (skill.mjs, an ES module wherever it lives) instead of TypeScript' },
      { flags: '--force', description: 'Replace files that already exist (default: refuse, and write nothing)' },
    ],
    examples: ['scenarios init', 'scenarios init --js'],
  },
  baseline: {
    usage: 'baseline <action> [target]',
    description:
      'Named baselines in the store: "save <id>" points a name (--name, default main) at a finished run or experiment (saving a name again replaces it), "list" shows them, "delete <name>" removes one',
    options: [
      { flags: '--name <name>', description: 'The baseline\'s name for save (default: main)' },
      { flags: '--json', description: 'For list: print the baselines as JSON' },
      runDbOption,
    ],
    examples: ['scenarios baseline save orch-1a2b3c4d', 'scenarios baseline save exp-5e6f7a8b --name nightly', 'scenarios baseline list', 'scenarios baseline delete nightly'],
  },
  compare: {
    usage: 'compare <a> <b>',
    description:
      'Compare two stored runs, experiments or baselines (each name is tried as a run id, then an experiment id, then a baseline name): per scenario in both, quality, time per item and throughput of each, b − a with its 95% CI and p (Welch\'s t), and which differences are significant',
    options: [{ flags: '--json', description: 'Print the comparison as JSON' }, runDbOption],
    examples: ['scenarios compare main orch-1a2b3c4d', 'scenarios compare exp-1a2b3c4d exp-5e6f7a8b --json'],
  },
  worker: {
    usage: 'worker',
    description:
      'Run batches of remote runs (scenarios run --workers remote) on this host until Ctrl+C, which drains: no new batch, the ones in flight finish. Takes only batches of its own skill (name, version and module hash)',
    options: [
      { flags: '--db <url>', description: 'The Postgres server the runs are stored in (postgres://…; default: $DATABASE_URL)' },
      { flags: '--skill <file>', description: 'Skill module, as for run (default: the built-in "simulated")' },
      { flags: '--skill-command <command>', description: 'Skill program speaking JSON lines, as for run' },
      { flags: '--concurrency <n>', description: "Batches run at once (default: this host's CPU count; DBOS keeps one per-worker limit for the queue: the last worker started sets it)" },
      { flags: '--verbose', description: 'A line on stderr per batch run (run, scenario, batch, items, time, quality)' },
      { flags: '--migrate-only', description: "Create or upgrade DBOS's system tables in the database and exit (run once before starting many workers at once)" },
    ],
    examples: ['scenarios worker --db postgres://db-host/scenarios', 'scenarios worker --db postgres://db-host/scenarios --skill ./my-skill.ts --concurrency 4 --verbose', 'scenarios worker --db postgres://db-host/scenarios --migrate-only'],
  },
  schema: {
    usage: 'schema',
    description: 'Print the JSON Schema of config files, for editors to complete and check them (the package ships it as scenarios.schema.json)',
    options: [],
    examples: ['scenarios schema > scenarios.schema.json'],
  },
} satisfies Record<string, CommandSpec>;

export type CommandName = keyof typeof commandSpecs;
