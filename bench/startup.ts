/**
 * 5. Start-up: `node bin/scenarios.js run <1-item config> --db memory --json` (one scenario, one item, the
 * simulated skill with no latency) against `node -e 0`, and `node --import tsx -e 0` to show what loading
 * TypeScript through tsx costs on its own. Alternating, several rounds, medians; wall time from here, CPU
 * (user + system) and peak RSS of the child from /usr/bin/time when it exists.
 * Run: npx tsx bench/startup.ts [--quick]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { alternate, flags, fmt, fmtStat, median, repoDir, stat, table, writeResult, type Sample } from './harness.ts';

const bench = flags();
const rounds = bench.quick ? 2 : 9;
const warmups = bench.quick ? 0 : 1;
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

const commands: { name: string; label: string; args: string[] }[] = [
  { name: 'node', label: '`node -e 0`', args: ['-e', '0'] },
  { name: 'node+tsx', label: '`node --import tsx -e 0`', args: ['--import', import.meta.resolve('tsx'), '-e', '0'] },
  { name: 'cli', label: '`node bin/scenarios.js run one-item.json --db memory --json`', args: [path.join(repoDir, 'bin', 'scenarios.js'), 'run', configFile, '--db', 'memory', '--json'] },
];
const rssMb: Record<string, number[]> = {};

function runOnce(name: string, args: string[]): Sample {
  const timeFile = path.join(dir, 'time.txt');
  const [cmd, argv] = timeBin ? [timeBin, ['-f', '%U %S %M', '-o', timeFile, process.execPath, ...args]] : [process.execPath, args];
  const t0 = performance.now();
  // The working directory is the temp folder, so nothing lands in the repository.
  const out = spawnSync(cmd, argv, { cwd: dir, encoding: 'utf8', env: { ...process.env, DATABASE_URL: '' } });
  const wallMs = performance.now() - t0;
  if (out.status !== 0) throw new Error(`${name} exited ${out.status}: ${out.stderr.slice(-2000)}`);
  if (name === 'cli' && !out.stdout.includes('"orchestrationId"')) throw new Error(`the CLI printed no report: ${out.stdout.slice(0, 500)}`);
  if (!timeBin) return { wallMs, cpuMs: NaN };
  const [user, system, maxKb] = readFileSync(timeFile, 'utf8').trim().split('\n').pop()?.split(' ').map(Number) ?? [];
  (rssMb[name] ??= []).push((maxKb ?? NaN) / 1024);
  return { wallMs, cpuMs: ((user ?? NaN) + (system ?? NaN)) * 1000 };
}

try {
  console.log(`start-up: median of ${rounds} alternating rounds after ${warmups} warm-up round(s), Node ${process.version}${timeBin ? '' : ' (no /usr/bin/time: no CPU or RSS)'}`);
  const alt = await alternate(
    commands.map((c) => ({ name: c.name, run: () => Promise.resolve(runOnce(c.name, c.args)) })),
    { rounds, warmups, baseline: 'node' },
  );
  const results = commands.map((c) => {
    const samples = alt.samples[c.name] ?? [];
    return {
      name: c.name,
      command: c.label,
      wallMs: stat(samples.map((s) => s.wallMs)),
      cpuMs: stat(samples.map((s) => s.cpuMs)),
      maxRssMb: median((rssMb[c.name] ?? []).slice(-rounds)),
      ratioWall: stat(alt.ratios[c.name]?.wall ?? []),
      ratioCpu: stat(alt.ratios[c.name]?.cpu ?? []),
    };
  });
  console.log(
    `\n${table(
      ['command', 'wall ms, median (range)', 'CPU ms', 'vs node -e 0 (wall / CPU, median of per-round ratios)', 'peak RSS MB'],
      results.map((r) => [r.command, fmtStat(r.wallMs, 0), fmt(r.cpuMs.median, 0), `${fmt(r.ratioWall.median, 1)}x / ${fmt(r.ratioCpu.median, 1)}x`, fmt(r.maxRssMb, 0)]),
    )}`,
  );
  const file = writeResult('startup', bench, { parameters: { rounds, warmups, config: 'one scenario, one item, simulated skill with latencyMs 0', cpuFrom: timeBin ?? null }, results });
  console.log(`\nwrote ${file}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
