import { availableParallelism } from 'node:os';
import { commandSkill, type CommandSkill } from '../../actors/commandSkill.ts';
import { builtinSkill, loadSkillModule } from '../../actors/loadSkill.ts';
import type { Skill } from '../../actors/skill.ts';
import { ScenarioError, UsageError } from '../../errors.ts';
import { redactUrl } from '../../persistence/redactUrl.ts';
import { ExitCode, type CliIO } from '../io.ts';
import { parseSkillCommandOption } from './run.ts';

/**
 * `scenarios worker`: takes batches of remote runs (`scenarios run --workers remote`) from the Postgres
 * server's DBOS queue and runs them with its skill until Ctrl+C, which drains: no new batch, the ones in
 * flight finish, exit 0. A second Ctrl+C exits at once (130); their batches then go to another worker.
 */
export async function workerCommand(raw: Record<string, unknown>, io: CliIO): Promise<number> {
  const databaseUrl = typeof raw.db === 'string' && raw.db !== '' ? raw.db : io.env.DATABASE_URL;
  if (!databaseUrl || !/^postgres(ql)?:\/\//i.test(databaseUrl)) {
    throw new UsageError(`scenarios worker needs the Postgres server the runs are stored in: --db postgres://… (or DATABASE_URL)${databaseUrl ? `, not ${databaseUrl}` : ''}`);
  }
  const { migrateSystemDatabase } = await import('../../remote/migrate.ts');
  if (raw.migrateOnly === true) {
    await migrateSystemDatabase(databaseUrl);
    io.stderr.write(`DBOS system tables ready in ${redactUrl(databaseUrl)}\n`);
    return ExitCode.ok;
  }
  let concurrency = availableParallelism();
  if (raw.concurrency !== undefined) {
    concurrency = Number(raw.concurrency);
    if (!Number.isSafeInteger(concurrency) || concurrency < 1) throw new UsageError(`--concurrency must be a positive integer (got ${JSON.stringify(raw.concurrency)})`);
  }
  if (raw.skill !== undefined && (typeof raw.skill !== 'string' || raw.skill === '')) throw new UsageError('--skill needs a module path (one: a worker runs one skill)');
  const words = parseSkillCommandOption(raw.skillCommand);
  if (words && raw.skill !== undefined) throw new UsageError('--skill and --skill-command name two different skills: use one of them');
  const line = (text: string) => void io.stderr.write(`${text}\n`);
  const children: CommandSkill | undefined = words ? commandSkill({ command: words }, { cwd: io.cwd, stderr: line }) : undefined;
  const skill: Skill<unknown> = typeof raw.skill === 'string' ? await loadSkillModule(raw.skill, io.cwd) : (children ?? builtinSkill('simulated'));

  const { startWorker } = await import('../../remote/worker.ts');
  let lostError: Error | undefined;
  let wake: () => void = () => undefined;
  const stopAsked = new Promise<void>((resolve) => (wake = resolve));
  const worker = await startWorker({
    databaseUrl,
    skill,
    concurrency,
    onNotice: line,
    ...(raw.verbose === true ? { onBatch: line } : {}),
    onLost: (error) => {
      lostError = error;
      wake();
    },
  });
  line(`worker ${worker.name} ready: skill ${skill.name} ${skill.version} (version ${worker.skillVersion}), ${concurrency} at once, on ${redactUrl(databaseUrl)}`);
  let signals = 0;
  const onSignal = () => {
    signals += 1;
    if (signals === 1) {
      line(`worker ${worker.name}: draining (the batches in flight finish; Ctrl+C again to exit now)`);
      wake();
    } else process.exit(ExitCode.interrupted);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await stopAsked;
    await worker.drain();
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await children?.close();
  }
  if (lostError) throw new ScenarioError('store_unavailable', lostError.message);
  line(`worker ${worker.name} stopped`);
  return ExitCode.ok;
}
