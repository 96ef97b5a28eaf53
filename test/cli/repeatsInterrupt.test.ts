import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { loadExperimentReport } from '../../src/api/experiments.ts';
import { resumeCommand } from '../../src/cli/commands/resume.ts';
import { runCommand } from '../../src/cli/commands/run.ts';
import type { CliIO } from '../../src/cli/io.ts';
import { PgliteSnapshotStore } from '../../src/persistence/PgliteSnapshotStore.ts';
import { ExperimentReportSchema } from '../../src/report/experimentSchema.ts';

const work = mkdtempSync(join(tmpdir(), 'scenarios-repeats-interrupt-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A CliIO whose stderr calls `onLine` with each line as it is written. */
function linesIO(onLine: (line: string) => void = () => undefined): CliIO & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  const stdout = new Writable({ write: (chunk: Buffer, _encoding, done) => ((out += chunk.toString()), done()) });
  const stderr = new Writable({
    write: (chunk: Buffer, _encoding, done) => {
      err += chunk.toString();
      for (const line of chunk.toString().split('\n')) if (line !== '') onLine(line);
      done();
    },
  });
  return { stdout, stderr, interactive: false, cwd: work, env: {}, exitCode: 0, out: () => out, err: () => err };
}

const config = {
  seed: 4,
  skill: { name: 'simulated', params: { latencyMs: 5 } },
  barriers: { at: [], timeoutMs: 10_000 },
  scenarios: ['x', 'y'].map((name) => ({ name, inputSize: 6, timeBudgetSeconds: 600, memoryLimitMb: 4096, errorTolerance: 0, skillParams: { batchSize: 2 }, expectedQuality: 'basic', qualityMetrics: ['accuracy'] })),
};

describe('Ctrl+C between repeats', () => {
  it('after repeat 1 finished and before repeat 2 starts: repeat 2 is saved paused before any batch, exit 130, and resume E runs the rest', async () => {
    const db = join(work, 'db');
    writeFileSync(join(work, 'between.json'), JSON.stringify(config));
    // The line announcing repeat 2 comes after repeat 1 has finished and before repeat 2 is started: a Ctrl+C there falls between the two.
    const io = linesIO((line) => {
      if (line.startsWith('repeat 2/3:')) process.emit('SIGINT', 'SIGINT');
    });
    const code = await runCommand(join(work, 'between.json'), { repeat: 3, id: 'between', db }, io);
    expect(code, io.err()).toBe(130);
    expect(io.err()).toContain('paused: resume with scenarios resume between');
    expect(io.err()).not.toContain('repeat 3/3');
    expect(io.out()).toBe('');
    expect(process.listenerCount('SIGINT')).toBe(0);

    const store = await PgliteSnapshotStore.open(db);
    try {
      expect((await store.list()).map((r) => [r.id, r.status]).sort()).toEqual([['between.r1', 'complete'], ['between.r2', 'paused']]);
      // Paused before it started: no batch of repeat 2 ran.
      for (const name of ['x', 'y']) expect(await store.loadBatches('between.r2', name, 0)).toEqual([]);
      const partial = await loadExperimentReport(store, 'between');
      expect(partial.runs.map((r) => r.status)).toEqual(['complete', 'paused', 'missing']);
      expect(partial.scenarios.x?.timePerItemMs?.n).toBe(1);
    } finally {
      await store.close();
    }

    const resumedIO = linesIO();
    const resumed = await resumeCommand('between', { db, json: true }, resumedIO);
    expect(resumed, resumedIO.err()).toBe(0);
    const report = ExperimentReportSchema.parse(JSON.parse(resumedIO.out()));
    expect(report.runs.map((r) => [r.runId, r.status])).toEqual([['between.r1', 'complete'], ['between.r2', 'complete'], ['between.r3', 'complete']]);
    expect(report.scenarios.y?.timePerItemMs?.n).toBe(3);
  }, 180_000);
});
