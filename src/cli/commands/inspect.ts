import { findExperimentRuns } from '../../api/experiments.ts';
import { loadStoredRun } from '../../api/storedRun.ts';
import { ScenarioError, UsageError } from '../../errors.ts';
import { defaultInspectorPort } from '../../inspect/inspectorPort.ts';
import { serveStoredRun } from '../../inspect/serveInspector.ts';
import { openExistingStore, storeName } from '../../persistence/openStore.ts';
import { storeSpecFor } from '../runIndex.ts';
import { writeReport } from '../driveInTerminal.ts';
import { untilInterrupted } from '../inspectRun.ts';
import { ExitCode, storeOptions, type CliIO } from '../io.ts';

/**
 * `scenarios inspect ID`: serves the inspector page for a stored orchestration until Ctrl+C (or with
 * `--json`, prints the stored run instead). The store is read once and closed before serving.
 */
export async function inspectCommand(id: string, raw: Record<string, unknown>, io: CliIO): Promise<number> {
  const port = raw.port === undefined ? defaultInspectorPort : Number(raw.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new UsageError(`--port must be 0-65535 (got ${JSON.stringify(raw.port)})`);
  if (raw.db !== undefined && (typeof raw.db !== 'string' || raw.db === '')) throw new UsageError('--db needs a value: postgres://…, memory, or a folder');
  const spec = storeSpecFor(io.cwd, id, typeof raw.db === 'string' ? raw.db : undefined);
  const store = await openExistingStore(spec, io.env, storeOptions(io));
  if (!store) throw new ScenarioError('not_found', `no orchestration "${id}" in ${storeName(spec, io.env, io.cwd)} (see scenarios list)`);
  let run;
  try {
    // An experiment (scenarios run --repeat) is N runs: the inspector shows one, so name them.
    const repeats = (await store.load(id)) ? [] : await findExperimentRuns(store, id);
    if (repeats.length > 0) {
      throw new UsageError(`"${id}" is an experiment of ${repeats.length} stored repeat${repeats.length === 1 ? '' : 's'} (${repeats.join(', ')}): inspect one of them, e.g. scenarios inspect ${repeats[0] ?? `${id}.r1`} (scenarios status ${id} shows where each stands)`);
    }
    run = await loadStoredRun(store, id);
  } finally {
    await store.close();
  }
  if (raw.json === true) {
    const { status, progress, barriers, report } = run;
    io.stdout.write(`${JSON.stringify({ id: run.id, status, progress, barriers, report }, null, 2)}\n`);
    return ExitCode.ok;
  }
  io.stdout.write(`${run.id}: stored as ${run.status}\n`);
  await writeReport(io, run.report, 'text');
  const server = await serveStoredRun(run, { port });
  io.stderr.write(`inspector: ${server.url} (press Ctrl+C to exit)\n`);
  await untilInterrupted();
  await server.close();
  return ExitCode.ok;
}
