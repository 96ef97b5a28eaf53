/**
 * 7. Dataset memory: does a run over a dataset file keep its memory bounded by the batch, not the file?
 * Generates a large JSONL file (default 2 GB: about 9 million records of about 220 bytes) and one 10x smaller
 * in a temp folder, and runs a no-op skill over each in batches of 100 (one scenario, every record), each in its
 * own node process so `maxRSS` is that run's peak alone: openDatasets' validating pass (parse, count, hash,
 * checkpoints), then the run (createOrchestration reading batch after batch). The journal discards its rows:
 * the memory store would keep one row per batch, which grows with the batch count, not the file, and is
 * measured elsewhere (scale.ts). The temp folder is removed at the end, also on failure.
 * Full runs only (bench/run.ts leaves it out of --quick: writing and reading 2 GB takes minutes).
 * Run: npx tsx --expose-gc bench/datasetMemory.ts [--gb 0.5] [--quick: 50 MB]
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createOrchestration } from '../src/api/createOrchestration.ts';
import type { OrchestrationConfigInput } from '../src/config/schema.ts';
import { openDatasets } from '../src/data/openDatasets.ts';
import type { BatchJournal } from '../src/persistence/SnapshotStore.ts';
import { noopSkill } from './benchConfig.ts';
import { flags, fmt, table, writeResult } from './harness.ts';

const BATCH_SIZE = 100;
const MB = 1024 * 1024;

interface ChildFigures {
  bytes: number;
  records: number;
  openWallS: number;
  runWallS: number;
  batches: number;
  itemsProcessed: number;
  /** Peak resident set of the whole process (V8 heap, buffers, code), after the open and at the end. */
  peakRssAfterOpenMb: number;
  peakRssMb: number;
  /** Peak V8 heap in use, sampled every 50 ms during each phase. */
  peakHeapOpenMb: number;
  peakHeapRunMb: number;
  baselineRssMb: number;
}

/**
 * A child: open the file, run every record through a no-op skill, report its own peaks. With `generated`, the
 * same number of generated items instead (no file at all): the control that shows what the run itself holds.
 */
async function child(file: string, generated?: number): Promise<ChildFigures> {
  const baselineRssMb = process.memoryUsage().rss / MB;
  let peakHeap = 0;
  const sample = () => (peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed / MB));
  const sampler = setInterval(sample, 50);
  const config: OrchestrationConfigInput = {
    barriers: { at: [], timeoutMs: 1_000 },
    scenarios: [
      { name: 'file', ...(generated ? { inputSize: generated } : { dataset: { file } }), timeBudgetSeconds: 3_600, memoryLimitMb: 4_096, errorTolerance: 0, skillParams: { batchSize: BATCH_SIZE }, expectedQuality: 'basic', qualityMetrics: ['accuracy'] },
    ],
  };
  const t0 = performance.now();
  const datasets = await openDatasets(config);
  const openWallS = (performance.now() - t0) / 1000;
  const peakHeapOpenMb = sample();
  const peakRssAfterOpenMb = process.resourceUsage().maxRSS / 1024;
  peakHeap = 0;
  const discard: BatchJournal = { recordBatch: () => Promise.resolve(), loadBatches: () => Promise.resolve([]) };
  const t1 = performance.now();
  const run = createOrchestration(datasets.config, { skill: noopSkill, datasets, journal: discard });
  run.start();
  const report = await run.result;
  const runWallS = (performance.now() - t1) / 1000;
  sample();
  clearInterval(sampler);
  datasets.close();
  const scenario = report.scenarios['file'];
  const fingerprint = datasets.config.scenarios[0]?.dataset;
  return {
    bytes: generated ? 0 : statSync(file).size,
    records: generated ?? (fingerprint && 'fingerprint' in fingerprint ? (fingerprint.fingerprint?.records ?? 0) : 0),
    openWallS,
    runWallS,
    batches: scenario?.batchCount ?? 0,
    itemsProcessed: scenario?.itemsProcessed ?? 0,
    peakRssAfterOpenMb,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    peakHeapOpenMb,
    peakHeapRunMb: peakHeap,
    baselineRssMb,
  };
}

const FILLER = 'lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. ut enim ad minim veniam, quis nostrud';
const line = (id: number) => `{"id":${id},"text":"${FILLER} ${id}","label":"${id % 3 === 0 ? 'spam' : 'ham'}"}\n`;

/** Writes `records` JSON lines (about 220 bytes each), in 4 MB writes. */
async function generate(file: string, records: number): Promise<void> {
  const out = createWriteStream(file);
  let chunk = '';
  for (let id = 0; id < records; id++) {
    chunk += line(id);
    if (chunk.length >= 4 * MB || id === records - 1) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end();
  await once(out, 'finish');
}

function measure(file: string, generated?: number): Promise<ChildFigures> {
  return new Promise((resolve, reject) => {
    const proc = fork(fileURLToPath(import.meta.url), ['--child', file, ...(generated ? [String(generated)] : [])], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    proc.once('message', (message) => resolve(message as ChildFigures));
    proc.once('error', reject);
    proc.once('exit', (code) => (code === 0 ? undefined : reject(new Error(`the child exited with ${code}`))));
  });
}

const argv = process.argv.slice(2);
if (argv[0] === '--child') {
  const figures = await child(argv[1] ?? '', argv[2] ? Number(argv[2]) : undefined);
  process.send?.(figures);
  process.disconnect?.();
} else {
  const bench = flags(argv);
  const gbAt = argv.indexOf('--gb');
  // Named under --quick (bench/run.ts leaves it out otherwise): 50 MB, so the path keeps working in seconds.
  const gb = gbAt >= 0 ? Number(argv[gbAt + 1]) : bench.quick ? 0.05 : 2;
  const bytesPerRecord = Buffer.byteLength(line(1_000_000));
  const big = Math.floor((gb * 1e9) / bytesPerRecord);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'scenarios-bench-dataset-'));
  try {
    const points: (ChildFigures & { name: string })[] = [];
    for (const [name, records] of [['small', Math.floor(big / 10)], ['large', big]] as const) {
      const file = path.join(dir, `${name}.jsonl`);
      const t0 = performance.now();
      await generate(file, records);
      console.log(`datasetMemory: wrote ${name}.jsonl, ${fmt(statSync(file).size / MB, 0)} MB, ${records.toLocaleString('en-US')} records in ${fmt((performance.now() - t0) / 1000, 1)} s`);
      points.push({ name, ...(await measure(file)) });
      rmSync(file, { force: true });
      points.push({ name: `${name}, generated items (control)`, ...(await measure(file, records)) });
    }
    console.log(
      table(
        ['file', 'size', 'records', 'batches', 'open (validate) s', 'run s', 'peak heap while opening MB', 'peak heap while running MB', 'peak RSS after open MB', 'peak RSS MB'],
        points.map((p) => [p.name, p.bytes ? `${fmt(p.bytes / MB, 0)} MB` : '-', p.records.toLocaleString('en-US'), p.batches.toLocaleString('en-US'), fmt(p.openWallS, 1), fmt(p.runWallS, 1), fmt(p.peakHeapOpenMb, 0), fmt(p.peakHeapRunMb, 0), fmt(p.peakRssAfterOpenMb, 0), fmt(p.peakRssMb, 0)]),
      ),
    );
    const file = writeResult('datasetMemory', bench, { batchSize: BATCH_SIZE, points });
    console.log(`results in ${file}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
