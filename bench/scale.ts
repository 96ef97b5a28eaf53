/**
 * 3. Scale: N scenarios of 100 items in 10-item batches, barriers at 30/70 %, no-op skill, a durable run on
 * the memory store, against the bare loop over the same N scenarios. One child process per (N, contender)
 * so peak RSS (maxRSS from process.resourceUsage) belongs to that run alone; each child has a time cap,
 * past which it is killed and recorded as "did not finish in X s (reached Y% of batches)".
 * Barrier release latency: real time from the progress stream's last `barrier.arrived` of a milestone to the
 * last scenario leaving that barrier (child.ts watchReleases); the report's stamps cannot show it (the release
 * is stamped with the last arrival's time). CPU per batch is also given relative to N = 300 (target: 10,000
 * within 2x of 300).
 * Run: npx tsx bench/scale.ts [--quick] [--only 3000,10000]   (--quick: N = 3, 30, 300 only)
 */
import { alternate, flags, fmt, median, runChild, table, writeResult, type Sample } from './harness.ts';

interface ScaleResult extends Sample {
  kind: string;
  batches: number;
  maxRssMb: number;
  createMs?: number;
  startMs?: number;
  snapshotWrites?: number;
  midRunSnapshotBytes?: number;
  finalSnapshotBytes?: number;
  barriers?: { milestone: number; releasedBy: string; releaseLatencyMs: number; stampedLatencyMs?: number; firstArrivalMs: number; lastArrivalMs: number }[];
}

interface Point {
  scenarios: number;
  batchesTotal: number;
  finished: boolean;
  capSeconds: number;
  /** For a run that hit its cap: what it had reached. */
  reached?: { phase: unknown; batchesDone: unknown; pct: number; maxRssMb: unknown };
  result?: ScaleResult;
}

interface ProjectPoint {
  wallMs: number;
  cpuUsPerBatch: number;
  wallUsPerBatch: number;
  createMs: number;
  startMs: number;
  maxRssMb: number;
  barrierReleaseLatencyMs: { at30: number; at70: number };
  barriers: NonNullable<ScaleResult['barriers']>;
  snapshotWrites: number;
  midRunSnapshotBytes: number;
  finalSnapshotBytes: number;
}

const bench = flags();
const onlyAt = process.argv.indexOf('--only');
const only = onlyAt >= 0 ? (process.argv[onlyAt + 1] ?? '').split(',').map(Number) : undefined;
const ns = only ?? (bench.quick ? [3, 30, 300] : [3, 30, 300, 3000, 10_000]);
// Long enough for 10,000 scenarios to finish on a loaded machine, so the point is measured, not cut.
const capSeconds = bench.quick ? 60 : 180;
const roundsFor = (n: number) => (bench.quick ? 1 : n <= 300 ? 3 : 1);
console.log(`scale: N scenarios x 100 items (10-item batches), barriers 30/70, no-op skill, memory store; cap ${capSeconds} s per child; Node ${process.version}`);

const points: Record<string, Point[]> = { bare: [], project: [] };
const summary: Record<string, unknown>[] = [];
const rows: (string | number)[][] = [];
const cpuPerBatchAt = new Map<number, number>();
for (const n of ns) {
  const batchesTotal = n * 10;
  const capped = new Set<string>();
  const contender = (kind: 'bare' | 'project') => ({
    name: kind,
    run: async (): Promise<Sample> => {
      if (capped.has(kind)) return { wallMs: NaN, cpuMs: NaN };
      const outcome = await runChild<ScaleResult & { type: 'result' }>('child.ts', ['scale', kind, String(n)], { timeoutMs: capSeconds * 1000 });
      if (outcome.result) {
        points[kind]?.push({ scenarios: n, batchesTotal, finished: true, capSeconds, result: outcome.result });
        return outcome.result;
      }
      if (!outcome.timedOut) throw new Error(`scale ${kind} N=${n} crashed (exit ${outcome.exitCode}): ${outcome.stderr}`);
      // One capped round is enough to know: later rounds of this N are skipped.
      capped.add(kind);
      const p = outcome.progress ?? {};
      const done = typeof p.batchesDone === 'number' ? p.batchesDone : 0;
      points[kind]?.push({ scenarios: n, batchesTotal, finished: false, capSeconds, reached: { phase: p.phase ?? 'loading', batchesDone: done, pct: (100 * done) / batchesTotal, maxRssMb: p.maxRssMb ?? null } });
      return { wallMs: NaN, cpuMs: NaN };
    },
  });
  const rounds = roundsFor(n);
  const alt = await alternate([contender('bare'), contender('project')], { rounds, warmups: 0, baseline: 'bare' });
  const done = (kind: string) => (points[kind] ?? []).filter((p) => p.scenarios === n && p.finished && p.result).map((p) => p.result as ScaleResult);
  const proj = done('project');
  const bare = done('bare');
  const cut = (points.project ?? []).find((p) => p.scenarios === n && !p.finished);
  const latency = (m: number) => median(proj.map((r) => r.barriers?.find((b) => b.milestone === m)?.releaseLatencyMs ?? NaN));
  const project: ProjectPoint | undefined = proj.length
    ? {
        wallMs: median(proj.map((r) => r.wallMs)),
        cpuUsPerBatch: median(proj.map((r) => (r.cpuMs * 1000) / batchesTotal)),
        wallUsPerBatch: median(proj.map((r) => (r.wallMs * 1000) / batchesTotal)),
        createMs: median(proj.map((r) => r.createMs ?? NaN)),
        startMs: median(proj.map((r) => r.startMs ?? NaN)),
        maxRssMb: median(proj.map((r) => r.maxRssMb)),
        barrierReleaseLatencyMs: { at30: latency(30), at70: latency(70) },
        barriers: proj[0]?.barriers ?? [],
        snapshotWrites: median(proj.map((r) => r.snapshotWrites ?? NaN)),
        midRunSnapshotBytes: median(proj.map((r) => r.midRunSnapshotBytes ?? NaN)),
        finalSnapshotBytes: median(proj.map((r) => r.finalSnapshotBytes ?? NaN)),
      }
    : undefined;
  if (project) cpuPerBatchAt.set(n, project.cpuUsPerBatch);
  const vs300 = project && cpuPerBatchAt.has(300) ? `${fmt(project.cpuUsPerBatch / (cpuPerBatchAt.get(300) ?? NaN), 2)}x` : '-';
  const didNotFinish = project ? undefined : `did not finish in ${capSeconds} s (reached ${fmt(cut?.reached?.pct ?? 0, 1)}% of batches, phase ${String(cut?.reached?.phase)})`;
  const bareWallMs = bare.length ? median(bare.map((r) => r.wallMs)) : NaN;
  const bareRssMb = bare.length ? median(bare.map((r) => r.maxRssMb)) : NaN;
  const ratioWall = median(alt.ratios.project?.wall.filter(Number.isFinite) ?? []);
  const ratioCpu = median(alt.ratios.project?.cpu.filter(Number.isFinite) ?? []);
  summary.push({
    scenarios: n, batches: batchesTotal, rounds,
    project: project ? { ...project, cpuPerBatchVs300: vs300 } : { didNotFinish, reached: cut?.reached },
    bare: bare.length ? { wallMs: bareWallMs, cpuUsPerBatch: median(bare.map((r) => (r.cpuMs * 1000) / batchesTotal)), maxRssMb: bareRssMb } : null,
    ratioWall, ratioCpu,
  });
  const bareWall = Number.isFinite(bareWallMs) ? fmt(bareWallMs / 1000, 3) : '-';
  rows.push(
    project
      ? [
          fmt(n, 0), fmt(batchesTotal, 0), fmt(project.wallMs / 1000, 3), fmt(project.cpuUsPerBatch, 1), vs300, `${fmt(ratioWall, 1)}x / ${fmt(ratioCpu, 1)}x`, `${fmt(project.maxRssMb, 0)} (bare ${fmt(bareRssMb, 0)})`,
          `${fmt(project.barrierReleaseLatencyMs.at30, 1)} / ${fmt(project.barrierReleaseLatencyMs.at70, 1)}`, `${fmt(project.midRunSnapshotBytes / 1024, 0)} / ${fmt(project.finalSnapshotBytes / 1024, 0)}`, bareWall,
        ]
      : [fmt(n, 0), fmt(batchesTotal, 0), didNotFinish ?? '-', '-', '-', '-', `- (${fmt(Number(cut?.reached?.maxRssMb ?? NaN), 0)} when cut)`, '-', '-', bareWall],
  );
  console.log(`  N=${n}: ${didNotFinish ?? `${fmt(project?.wallMs ?? NaN, 0)} ms`}`);
}

console.log(`\nmedians over rounds (3 for N <= 300 in a full run, else 1); each contender in its own child process\n`);
console.log(table(['N', 'batches', 'wall s', 'CPU us/batch', 'CPU/batch vs N=300', 'vs bare (wall / CPU)', 'peak RSS MB', 'barrier release latency ms (30 / 70)', 'snapshot KiB (mid-run / final)', 'bare wall s'], rows));
const file = writeResult('scale', bench, { parameters: { ns, itemsPerScenario: 100, batchSize: 10, barriers: [30, 70], capSeconds, store: 'memory' }, summary, points });
console.log(`\nwrote ${file}`);
