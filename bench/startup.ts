/**
 * 5. Start-up: `node bin/scenarios.js run <1-item config> --db memory --json` (one scenario, one item, the
 * simulated skill with no latency) from a current dist/, against `node -e 0`; beside them `--version` (the
 * CLI's shell alone), the same run from src/ through tsx (what bin/scenarios.js falls back to when dist/ is
 * stale, and what every start cost before the CLI ran from dist/), and `node --import tsx -e 0` (tsx alone).
 * "Our own start-up" is the median of per-round differences to `node -e 0`. Alternating, several rounds;
 * wall time from here, CPU (user + system) and peak RSS of the child from /usr/bin/time when it exists.
 *
 * The built CLI is the repository's when its dist/ is current; otherwise (src/ changed since the last
 * build, as in a working tree others edit) the package is copied into a temp folder and built there, so
 * the figures are for the sources as they are now and no concurrent edit can switch a round to tsx.
 * `--compare-with <commit>` adds the same run by that commit's bin/scenarios.js (its tree from `git archive`,
 * built if it has a build script of its own, this node_modules linked), for before/after figures from one run.
 * Run: npx tsx bench/startup.ts [--quick] [--compare-with <commit>]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { builtCliEntry } from '../bin/builtCli.js';
import { alternate, flags, fmt, fmtStat, median, repoDir, stat, table, writeResult, type Sample } from './harness.ts';

const bench = flags();
const rounds = bench.quick ? 3 : 11;
const warmups = 1;
const timeBin = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
const dir = mkdtempSync(path.join(os.tmpdir(), 'scenarios-bench-startup-'));
const configFile = path.join(dir, 'one-item.json');
writeFileSync(
  configFile,
  JSON.stringify({
    skill: { name: 'simulated', params: { latencyMs: 0 } },
    scenarios: [{ name: 'one', inputSize: 1, timeBudgetSeconds: 60, memoryLimitMb: 4096, errorTolerance: 0, skillParams: { batchSize: 1 }, expectedQuality: 'basic', qualityMetrics: ['accuracy'] }],
  }),
);

/** The package folder whose bin/scenarios.js runs from a current dist/: the repository's, or a fresh build of a copy. */
function packageWithCurrentBuild(): { root: string; built: 'repository' | 'temp copy' } {
  if (builtCliEntry(repoDir)) return { root: repoDir, built: 'repository' };
  const copy = path.join(dir, 'package');
  for (const entry of ['package.json', 'tsconfig.json', 'tsconfig.build.json', 'src', 'bin', 'scripts/build.js']) cpSync(path.join(repoDir, entry), path.join(copy, entry), { recursive: true });
  symlinkSync(path.join(repoDir, 'node_modules'), path.join(copy, 'node_modules'), 'dir');
  console.log('dist/ is older than src/: building a copy of the package in a temp folder');
  execFileSync(process.execPath, [path.join(copy, 'scripts', 'build.js')], { cwd: copy, stdio: 'inherit' });
  return { root: copy, built: 'temp copy' };
}

/** `--compare-with <commit>`: that commit's tree in a temp folder, for its bin/scenarios.js. */
function olderCommit(commit: string): string {
  const tree = path.join(dir, `at-${commit}`);
  mkdirSync(tree);
  execFileSync('bash', ['-c', `git archive "$0" | tar -x -C "$1"`, commit, tree], { cwd: repoDir, stdio: 'inherit' });
  symlinkSync(path.join(repoDir, 'node_modules'), path.join(tree, 'node_modules'), 'dir');
  // A commit whose bin runs dist/ needs one built from its own sources.
  if (existsSync(path.join(tree, 'scripts', 'build.js'))) execFileSync(process.execPath, [path.join(tree, 'scripts', 'build.js')], { cwd: tree, stdio: 'inherit' });
  return tree;
}

const pkg = packageWithCurrentBuild();
const compareAt = process.argv.indexOf('--compare-with');
const older = compareAt >= 0 ? process.argv[compareAt + 1] : undefined;
const olderTree = older ? olderCommit(older) : undefined;
const bin = path.join(pkg.root, 'bin', 'scenarios.js');
const tsx = import.meta.resolve('tsx');
const run = ['run', configFile, '--db', 'memory', '--json'];
const commands: { name: string; label: string; args: string[] }[] = [
  { name: 'node', label: '`node -e 0`', args: ['-e', '0'] },
  { name: 'version', label: '`node bin/scenarios.js --version` (dist/)', args: [bin, '--version'] },
  { name: 'cli', label: '`node bin/scenarios.js run one-item.json --db memory --json` (dist/)', args: [bin, ...run] },
  { name: 'cli-tsx', label: 'the same run from src/ through tsx (`node --import tsx src/cli/index.ts run …`)', args: ['--import', tsx, path.join(pkg.root, 'src', 'cli', 'index.ts'), ...run] },
  { name: 'node+tsx', label: '`node --import tsx -e 0`', args: ['--import', tsx, '-e', '0'] },
  ...(olderTree ? [{ name: `cli@${older}`, label: `the same run by bin/scenarios.js at ${older}`, args: [path.join(olderTree, 'bin', 'scenarios.js'), ...run] }] : []),
];
const rssMb: Record<string, number[]> = {};

function runOnce(name: string, args: string[]): Sample {
  const timeFile = path.join(dir, 'time.txt');
  const [cmd, argv] = timeBin ? [timeBin, ['-f', '%U %S %M', '-o', timeFile, process.execPath, ...args]] : [process.execPath, args];
  const t0 = performance.now();
  // The working directory is the temp folder, so nothing lands in the repository. SCENARIOS_DEBUG makes
  // bin/scenarios.js say when it falls back to tsx, which would make the dist/ figures wrong.
  const out = spawnSync(cmd, argv, { cwd: dir, encoding: 'utf8', env: { ...process.env, DATABASE_URL: '', SCENARIOS_DEBUG: '1' } });
  const wallMs = performance.now() - t0;
  if (out.status !== 0) throw new Error(`${name} exited ${out.status}: ${out.stderr.slice(-2000)}`);
  if (out.stderr.includes('running src/ through tsx')) throw new Error(`${name} ran src/ through tsx: ${pkg.root}/dist is not current`);
  if (name.startsWith('cli') && !out.stdout.includes('"orchestrationId"')) throw new Error(`the CLI printed no report: ${out.stdout.slice(0, 500)}`);
  if (!timeBin) return { wallMs, cpuMs: NaN };
  const [user, system, maxKb] = readFileSync(timeFile, 'utf8').trim().split('\n').pop()?.split(' ').map(Number) ?? [];
  (rssMb[name] ??= []).push((maxKb ?? NaN) / 1024);
  return { wallMs, cpuMs: ((user ?? NaN) + (system ?? NaN)) * 1000 };
}

try {
  console.log(`start-up: median of ${rounds} alternating rounds after ${warmups} warm-up round(s), Node ${process.version}, dist/ of the ${pkg.built}${timeBin ? '' : ' (no /usr/bin/time: no CPU or RSS)'}`);
  const alt = await alternate(
    commands.map((c) => ({ name: c.name, run: () => Promise.resolve(runOnce(c.name, c.args)) })),
    { rounds, warmups, baseline: 'node' },
  );
  const base = alt.samples.node ?? [];
  const results = commands.map((c) => {
    const samples = alt.samples[c.name] ?? [];
    return {
      name: c.name,
      command: c.label,
      wallMs: stat(samples.map((s) => s.wallMs)),
      cpuMs: stat(samples.map((s) => s.cpuMs)),
      // Our own start-up: what the command costs beyond starting node, per round.
      ownWallMs: stat(samples.map((s, i) => s.wallMs - (base[i]?.wallMs ?? NaN))),
      ownCpuMs: stat(samples.map((s, i) => s.cpuMs - (base[i]?.cpuMs ?? NaN))),
      maxRssMb: median((rssMb[c.name] ?? []).slice(-rounds)),
      ratioWall: stat(alt.ratios[c.name]?.wall ?? []),
      ratioCpu: stat(alt.ratios[c.name]?.cpu ?? []),
    };
  });
  console.log(
    `\n${table(
      ['command', 'wall ms, median (range)', 'CPU ms', 'own start-up: wall / CPU ms beyond node -e 0 (median of per-round differences)', 'vs node -e 0 (wall / CPU, median of per-round ratios)', 'peak RSS MB'],
      results.map((r) => [
        r.command,
        fmtStat(r.wallMs, 0),
        fmt(r.cpuMs.median, 0),
        r.name === 'node' ? '-' : `${fmt(r.ownWallMs.median, 0)} / ${fmt(r.ownCpuMs.median, 0)}`,
        `${fmt(r.ratioWall.median, 1)}x / ${fmt(r.ratioCpu.median, 1)}x`,
        fmt(r.maxRssMb, 0),
      ]),
    )}`,
  );
  const file = writeResult('startup', bench, {
    parameters: { rounds, warmups, config: 'one scenario, one item, simulated skill with latencyMs 0', cpuFrom: timeBin ?? null, builtCli: pkg.built, comparedWith: older ?? null },
    results,
  });
  console.log(`\nwrote ${file}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
