import { resumeOrchestration } from '../../api/durableOrchestration.ts';
import { loadSkillModule } from '../../actors/loadSkill.ts';
import { UsageError } from '../../errors.ts';
import { openStore } from '../../persistence/openStore.ts';
import { storeSpecFor } from '../runIndex.ts';
import { driveInTerminal, parseFormat } from '../driveInTerminal.ts';
import { leaseMsFrom, type CliIO } from '../io.ts';

export async function resumeCommand(id: string, raw: Record<string, unknown>, io: CliIO): Promise<number> {
  const format = parseFormat(raw);
  if (raw.skill !== undefined && (typeof raw.skill !== 'string' || raw.skill === '')) throw new UsageError('--skill needs a module path');
  const skill = typeof raw.skill === 'string' ? await loadSkillModule(raw.skill, io.cwd) : undefined;
  const store = await openStore(storeSpecFor(io.cwd, id, typeof raw.db === 'string' ? raw.db : undefined), io.env);
  try {
    const run = await resumeOrchestration(id, { store, cwd: io.cwd, ...(skill ? { skill } : {}), ...leaseMsFrom(io.env) });
    io.stderr.write(`orchestration ${run.id} (resumed)\n`);
    return await driveInTerminal(run, format, io);
  } finally {
    await store.close();
  }
}
