/**
 * A `scenarios worker` in miniature for the tests that need more than one worker (DBOS is one per process):
 * run as `node --import tsx workerProcess.ts '<json>'`. It starts startWorker() with a test skill whose every
 * call is appended to `callsFile` (one JSON line per start and per end, with this process's pid), so a test
 * counts calls across processes. Prints `ready <name> <skillVersion>` on stdout once it takes work, drains on
 * SIGTERM and prints `drained`. With `"migrateOnly": true` it only runs migrateSystemDatabase and prints
 * `migrated` (with `"waitForGo": true`, after `waiting` and a SIGUSR2).
 */
import { appendFileSync } from 'node:fs';
import type { Skill } from '../../../src/actors/skill.ts';
import { migrateSystemDatabase } from '../../../src/remote/migrate.ts';
import { startWorker } from '../../../src/remote/worker.ts';

export interface WorkerProcessOptions {
  databaseUrl: string;
  migrateOnly?: boolean;
  /** With migrateOnly: print `waiting` and migrate only on SIGUSR2, so several processes start it at the same moment. */
  waitForGo?: boolean;
  skillName?: string;
  skillVersion?: string;
  concurrency?: number;
  /** Where each skill call is recorded (JSON lines: CallRecord). */
  callsFile?: string;
  /** How long each skill call takes, unless its first item says `{ sleepMs }` (abort-aware). */
  sleepMs?: number;
}

export interface CallRecord {
  event: 'start' | 'end' | 'aborted';
  pid: number;
  key: string;
  attempt: number;
  at: number;
}

const options = JSON.parse(process.argv[2] ?? '{}') as WorkerProcessOptions;

if (options.migrateOnly) {
  if (options.waitForGo) {
    // A signal listener does not keep the process alive: the timer does until the signal comes.
    const alive = setInterval(() => undefined, 1_000);
    const go = new Promise((resolve) => process.once('SIGUSR2', resolve));
    process.stdout.write('waiting\n');
    await go;
    clearInterval(alive);
  }
  await migrateSystemDatabase(options.databaseUrl);
  process.stdout.write('migrated\n');
  process.exit(0);
}

const record = (event: CallRecord['event'], key: string, attempt: number) => {
  if (!options.callsFile) return;
  const line: CallRecord = { event, pid: process.pid, key, attempt, at: Date.now() };
  appendFileSync(options.callsFile, `${JSON.stringify(line)}\n`);
};

const skill: Skill<unknown> = {
  name: options.skillName ?? 'remote-test',
  version: options.skillVersion ?? '1.0.0',
  async run(items, ctx) {
    record('start', ctx.idempotencyKey, ctx.attempt);
    const first = items[0] as { sleepMs?: unknown } | undefined;
    const ms = typeof first?.sleepMs === 'number' ? first.sleepMs : (options.sleepMs ?? 20);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      ctx.signal.addEventListener(
        'abort',
        () => {
          clearTimeout(timer);
          record('aborted', ctx.idempotencyKey, ctx.attempt);
          resolve();
        },
        { once: true },
      );
    });
    record('end', ctx.idempotencyKey, ctx.attempt);
    return { qualityScore: 0.5, processed: items.length };
  },
};

const worker = await startWorker({
  databaseUrl: options.databaseUrl,
  skill,
  concurrency: options.concurrency ?? 4,
  onNotice: (line) => process.stderr.write(`notice: ${line}\n`),
  onLost: (error) => process.stderr.write(`lost: ${error.message}\n`),
});
process.stdout.write(`ready ${worker.name} ${worker.skillVersion}\n`);
process.once('SIGTERM', () => {
  void worker.drain().then(() => {
    process.stdout.write('drained\n');
    process.exit(0);
  });
});
