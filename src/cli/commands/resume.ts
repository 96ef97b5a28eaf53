import { resumeOrchestration } from '../../api/durableOrchestration.ts';
import { findExperimentRuns } from '../../api/experiments.ts';
import { commandSkill } from '../../actors/commandSkill.ts';
import { loadSkillModule } from '../../actors/loadSkill.ts';
import { ScenarioError, UsageError } from '../../errors.ts';
import { openExistingStore, storeName } from '../../persistence/openStore.ts';
import { storeSpecFor } from '../runIndex.ts';
import { driveInTerminal, parseFormat } from '../driveInTerminal.ts';
import { leaseMsFrom, storeOptions, type CliIO } from '../io.ts';
import { datasetProgressLines, parseSkillCommandOption } from './run.ts';

export async function resumeCommand(id: string, raw: Record<string, unknown>, io: CliIO): Promise<number> {
  const format = parseFormat(raw);
  if (Array.isArray(raw.skill) || Array.isArray(raw.skillCommand)) {
    throw new UsageError('resume takes one --skill or --skill-command: an A/B run loads both of its versions from its stored config by itself');
  }
  if (raw.skill !== undefined && (typeof raw.skill !== 'string' || raw.skill === '')) throw new UsageError('--skill needs a module path');
  const words = parseSkillCommandOption(raw.skillCommand);
  if (words && raw.skill !== undefined) throw new UsageError('--skill and --skill-command name two different skills: use one of them');
  const skillStderr = (line: string) => void io.stderr.write(`${line}\n`);
  const children = words ? commandSkill({ command: words }, { cwd: io.cwd, stderr: skillStderr }) : undefined;
  const skill = typeof raw.skill === 'string' ? await loadSkillModule(raw.skill, io.cwd) : children;
  const spec = storeSpecFor(io.cwd, id, typeof raw.db === 'string' ? raw.db : undefined);
  // Resuming needs a stored run: a store that does not exist yet is not created for it.
  const store = await openExistingStore(spec, io.env, storeOptions(io));
  if (!store) throw new ScenarioError('not_found', `no orchestration "${id}" in ${storeName(spec, io.env, io.cwd)} (see scenarios list)`);
  try {
    // An experiment's id (scenarios run --repeat): finish its interrupted repeat and run the ones not started.
    if (!(await store.load(id)) && (await findExperimentRuns(store, id)).length > 0) return await (await import('./runRepeats.ts')).resumeExperiment(id, store, format, skill, io);
    const countdown = raw.wait === true ? leaseCountdown(id, io) : undefined;
    const run = await resumeOrchestration(id, { store, cwd: io.cwd, skillStderr, onDatasetProgress: datasetProgressLines(io), ...(skill ? { skill } : {}), ...leaseMsFrom(io.env), ...(countdown ? { onLeaseWait: countdown.show } : {}) });
    countdown?.end();
    io.stderr.write(`orchestration ${run.id} (resumed)\n`);
    return await driveInTerminal(run, format, io);
  } finally {
    await children?.close();
    await store.close();
  }
}

/** `--wait`: a countdown on stderr while another process's lease runs out (a line a second off a terminal). */
function leaseCountdown(id: string, io: CliIO): { show: (holder: { owner: string | null; remainingMs: number }) => void; end: () => void } {
  let last = '';
  return {
    show({ owner, remainingMs }) {
      const line = `waiting for the lease of ${owner ?? 'another process'} on ${id} to expire: ${Math.ceil(remainingMs / 1000)} s`;
      if (line === last) return;
      last = line;
      io.stderr.write(io.interactive ? `\r${line}\u001b[K` : `${line}\n`);
    },
    end() {
      if (io.interactive && last !== '') io.stderr.write('\n');
    },
  };
}
