import type { InspectionEvent } from 'xstate';
import type { Orchestration } from '../api/createOrchestration.ts';
import { ScenarioError, UsageError } from '../errors.ts';
import { defaultInspectorPort } from '../inspect/inspectorPort.ts';
import type { CliIO } from './io.ts';

/** `--inspect[=PORT]`: our page, offline. `--inspect=stately[:PORT]`: the Stately inspector, online. */
export type InspectMode = { kind: 'page'; port: number } | { kind: 'stately'; port: number };

/** Reads the value cac gives `--inspect [port]`: true, a number, or a string. */
export function parseInspectOption(value: unknown): InspectMode | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true) return { kind: 'page', port: defaultInspectorPort };
  const text = typeof value === 'string' || typeof value === 'number' ? String(value) : JSON.stringify(value);
  const stately = /^stately(?::(\d+))?$/.exec(text);
  if (stately) return { kind: 'stately', port: stately[1] === undefined ? defaultInspectorPort : toPort(stately[1]) };
  if (/^\d+$/.test(text)) return { kind: 'page', port: toPort(text) };
  // `run --inspect my.json` hands the config path to --inspect: say how to write it instead.
  throw new UsageError(`--inspect takes a port or "stately" (got ${JSON.stringify(text)}); write --inspect=PORT, or put the config file before --inspect`);
}

function toPort(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new UsageError(`--inspect port must be 0-65535 (got ${text})`);
  return port;
}

/** What `run --inspect` needs around a run: an observer at creation, a server once it exists, and a clean end. */
export interface RunInspection {
  /** Pass to the orchestration when creating it (Stately mode); undefined for the page, which attaches later. */
  readonly inspect: ((event: InspectionEvent) => void) | undefined;
  /** Shows this run on the page and prints its URL on stderr. */
  attach(run: Orchestration): void;
  /**
   * After the run: if it finished, keeps serving (so the final state and report stay visible) until
   * Ctrl+C or SIGTERM; then stops serving.
   */
  holdOpen(run: { outcome: Promise<{ kind: string }> }): Promise<void>;
  close(): Promise<void>;
}

/**
 * Takes the port before the run exists (so a busy port fails before anything is stored), then serves
 * the run once it is created.
 */
export async function startRunInspection(mode: InspectMode, io: CliIO): Promise<RunInspection> {
  let server: { url: string; close(): Promise<void> } | undefined;
  let inspect: RunInspection['inspect'];
  // What each mode needs is imported only with --inspect: the page's server (with graphviz for its diagrams)
  // and the Stately bridge would otherwise be a large part of every run's start-up.
  let showRun: ((run: Orchestration) => void) | undefined;
  try {
    if (mode.kind === 'stately') {
      const { startStatelyBridge, statelyInspectorUrl } = await import('../inspect/statelyBridge.ts');
      const bridge = await startStatelyBridge({ port: mode.port });
      server = bridge;
      inspect = (event) => bridge.inspect.next?.(event);
      io.stderr.write(`stately inspector: open ${bridge.url} in a browser that can reach ${statelyInspectorUrl} (this mode needs the internet; --inspect alone works offline)\n`);
    } else {
      const [{ startInspectorServer }, { liveInspectorSource }, { SourceSlot }] = await Promise.all([
        import('../inspect/inspectorServer.ts'),
        import('../inspect/liveSource.ts'),
        import('../inspect/SourceSlot.ts'),
      ]);
      const slot = new SourceSlot();
      server = await startInspectorServer(slot, { port: mode.port });
      showRun = (run) => slot.fill(liveInspectorSource(run));
    }
  } catch (error) {
    if (error instanceof ScenarioError && error.code === 'usage') throw new UsageError(`${error.message}: choose another with --inspect=PORT (0 picks a free one)`);
    throw error;
  }
  const close = async () => {
    const current = server;
    server = undefined;
    await current?.close();
  };
  return {
    inspect,
    attach(run) {
      if (!showRun || !server) return;
      showRun(run);
      io.stderr.write(`inspector: ${server.url}\n`);
    },
    async holdOpen(run) {
      const outcome = await run.outcome;
      if (outcome.kind === 'finished' && server) {
        io.stderr.write(`inspector still serving ${server.url} (the run is over; press Ctrl+C to exit)\n`);
        await untilInterrupted();
      }
      await close();
    },
    close,
  };
}

/** Resolves on the first Ctrl+C (SIGINT) or SIGTERM, which then no longer end the process by default. */
export function untilInterrupted(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
