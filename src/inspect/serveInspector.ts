import type { Orchestration } from '../api/createOrchestration.ts';
import { startInspectorServer, type InspectorServer, type InspectorServerOptions } from './inspectorServer.ts';
import type { InspectorSource } from './InspectorSource.ts';
import { liveInspectorSource, type LiveSourceOptions } from './liveSource.ts';
import { storedInspectorSource, type StoredRunData } from './storedSource.ts';

export type ServeInspectorOptions = InspectorServerOptions & Pick<LiveSourceOptions, 'flushMs' | 'logCapacity'>;

/**
 * Serves the live inspector page for an orchestration on 127.0.0.1 (default port 4319, `0` for any free
 * one): statecharts with every actor's active state, scenario cards, barrier timeline, event log,
 * pause/resume/cancel, and the report once finished. Works offline; keeps serving after the run ends
 * until closed. Attach it before `start()` for a complete event log.
 * @example
 * ```ts
 * const run = createOrchestration(config, { skill });
 * const inspector = await serveInspector(run, { port: 4319 });
 * console.error(`inspect at ${inspector.url}`);
 * run.start();
 * await run.result;
 * await inspector.close();
 * ```
 */
export async function serveInspector(orchestration: Orchestration, options: ServeInspectorOptions = {}): Promise<InspectorServer> {
  return serveSource(liveInspectorSource(orchestration, options), options);
}

/** Serves the inspector page for a stored orchestration (no controls, no live updates). */
export async function serveStoredRun(run: StoredRunData, options: InspectorServerOptions = {}): Promise<InspectorServer> {
  return serveSource(storedInspectorSource(run), options);
}

async function serveSource(source: InspectorSource, options: InspectorServerOptions): Promise<InspectorServer> {
  try {
    return await startInspectorServer(source, options);
  } catch (error) {
    source.close();
    throw error;
  }
}
