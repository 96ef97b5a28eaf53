import type { DurableOrchestration } from '../api/durableOrchestration.ts';
import { ScenarioError, UsageError } from '../errors.ts';
import type { BatchJournal, StoreOutageEvent } from '../persistence/SnapshotStore.ts';
import { OrchestrationDeletedError, StoreUnreachableError } from '../persistence/storeErrors.ts';
import type { Report } from '../report/schema.ts';
import { ExitCode, type CliIO } from './io.ts';
import { linesView, type ProgressView } from './progressView.ts';

export type Format = 'text' | 'md' | 'json' | 'html';

/** `--json` is `--format json`; with another --format the two contradict each other, so neither wins. */
export function parseFormat(raw: Record<string, unknown>): Format {
  if (raw.json === true && raw.format !== undefined && raw.format !== 'json') {
    throw new UsageError(`--json and --format ${typeof raw.format === 'string' ? raw.format : JSON.stringify(raw.format)} contradict each other: use one of them (--json means --format json)`);
  }
  const format = raw.json === true ? 'json' : (raw.format ?? 'text');
  if (format !== 'text' && format !== 'md' && format !== 'json' && format !== 'html') throw new UsageError(`--format must be text, md, json or html (got ${JSON.stringify(format)})`);
  return format;
}

/**
 * The report as `format`; each renderer is imported when asked for (`--json` needs none). HTML draws its
 * charts from the run's batches, read from `journal` (the run's store).
 */
export async function renderReport(report: Report, format: Format, journal?: Pick<BatchJournal, 'loadBatches'>): Promise<string> {
  if (format === 'html') {
    const [{ htmlReport }, { loadChartAssets }] = await Promise.all([import('../report/html/htmlReport.ts'), import('../inspect/staticAssets.ts')]);
    return htmlReport(report, journal, await loadChartAssets());
  }
  const text =
    format === 'json'
      ? JSON.stringify(report, null, 2)
      : format === 'md'
        ? (await import('../report/renderMarkdown.ts')).renderMarkdown(report)
        : (await import('../report/renderText.ts')).renderText(report);
  return text.endsWith('\n') ? text : `${text}\n`;
}

/** stdout's width when it is a terminal; undefined for a pipe or file, which get the report unwrapped. */
export function terminalColumns(stream: NodeJS.WritableStream): number | undefined {
  const tty = stream as Partial<NodeJS.WriteStream>;
  return tty.isTTY && tty.columns ? tty.columns : undefined;
}

/** Prints the report on stdout; the text format is wrapped to the terminal's width when stdout is one. */
export async function writeReport(io: Pick<CliIO, 'stdout'>, report: Report, format: Format, journal?: Pick<BatchJournal, 'loadBatches'>): Promise<void> {
  const text = await renderReport(report, format, journal);
  const columns = format === 'text' ? terminalColumns(io.stdout) : undefined;
  if (columns === undefined) {
    io.stdout.write(text);
    return;
  }
  // Imported only for a terminal: wrap-ansi and its width tables take about 25 ms to load.
  const { default: wrapAnsi } = await import('wrap-ansi');
  io.stdout.write(wrapAnsi(text, columns, { hard: true, trim: false }));
}

export function exitCodeFor(report: Report): number {
  return Object.values(report.scenarios).every((s) => s.status === 'complete') ? ExitCode.ok : ExitCode.scenarioFailed;
}

async function stillStored(run: DurableOrchestration): Promise<boolean> {
  try {
    return (await run.store.load(run.id)) !== undefined;
  } catch {
    // Cannot tell: keep the message we have.
    return true;
  }
}

async function savedAsPaused(run: DurableOrchestration): Promise<boolean> {
  try {
    return (await run.store.load(run.id))?.status === 'paused';
  } catch {
    return false;
  }
}

/**
 * Bars for a terminal, cli-progress imported only then. They start from the run's state when they are drawn,
 * so the import's wait loses nothing; the lines view is made at once, so it misses no event.
 */
async function barsFor(run: DurableOrchestration, io: CliIO): Promise<ProgressView> {
  const { barsView } = await import('./progressBars.ts');
  return barsView(io.stderr, run.progress());
}

/**
 * Shows progress while a durable run goes on, turns Ctrl+C / SIGTERM into pause-and-persist, and prints
 * the report. Returns the exit code.
 */
export async function driveInTerminal(run: DurableOrchestration, format: Format, io: CliIO): Promise<number> {
  const followed = await followRun(run, io);
  if (followed.report) await writeReport(io, followed.report, format, run.store);
  return followed.code;
}

/**
 * driveInTerminal without printing the report: the exit code, and the report when the run finished. `resumeId`
 * is what the messages tell the user to resume (a repeat of an experiment is resumed through its experiment).
 */
export async function followRun(run: DurableOrchestration, io: CliIO, { resumeId = run.id }: { resumeId?: string } = {}): Promise<{ code: number; report?: Report }> {
  // Progress goes to stderr in every format, --json too: stdout holds only the report.
  const view = io.interactive ? await barsFor(run, io) : linesView(io.stderr);
  const unsubscribe = view ? run.subscribe((event) => view.update(event)) : undefined;
  // The store's outages, on stderr whatever the format (stdout is the report's).
  const unwatchStore = run.watchStore((event) => (view?.note ? view.note(outageLine(event)) : io.stderr.write(`${outageLine(event)}\n`)));
  const onSignal = () => void run.interrupt();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const outcome = await run.outcome;
    unwatchStore();
    unsubscribe?.();
    view?.stop();
    switch (outcome.kind) {
      case 'finished':
        return { code: exitCodeFor(outcome.report), report: outcome.report };
      case 'interrupted':
        io.stderr.write(`paused: resume with scenarios resume ${resumeId}\n`);
        return { code: ExitCode.interrupted };
      case 'store-failed':
        // Only an outage is "unavailable"; any other store error says what it is.
        if (outcome.error instanceof StoreUnreachableError) {
          io.stderr.write(`paused: the store stayed unreachable for ${seconds(outcome.error.unreachableForMs)}; resume with scenarios resume ${resumeId}\n`);
        } else if (outcome.error instanceof ScenarioError && outcome.error.code === 'store_unavailable') {
          io.stderr.write(`paused: the store ${run.store.description} is unavailable (${outcome.error.message}); completed batches are kept. Resume with scenarios resume ${resumeId} once it is back\n`);
        } else {
          io.stderr.write(`stopped: ${outcome.error.message}\n`);
        }
        return { code: ExitCode.scenarioFailed };
      case 'lease-lost':
        // A row deleted under us also looks like a lost lease: say which it was.
        if (!(await stillStored(run))) {
          io.stderr.write(`stopped: ${new OrchestrationDeletedError(run.id).message}\n`);
          return { code: ExitCode.scenarioFailed };
        }
        io.stderr.write(`stopped: ${outcome.error.message}\n`);
        return { code: ExitCode.leaseHeld };
      case 'error':
        // Some errors stop the run saved as paused (a refused journal row, an error escaping the skill): say how to go on.
        io.stderr.write(`failed: ${outcome.error.message}${(await savedAsPaused(run)) ? `; resume with scenarios resume ${resumeId} once that is fixed` : ''}\n`);
        return { code: ExitCode.scenarioFailed };
      default:
        return outcome satisfies never;
    }
  } finally {
    unwatchStore();
    view?.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** `store unreachable since 14:03:07 (connection refused), retrying (gives up after 30 s)…` / `store back after 20.3 s`. */
export function outageLine(event: StoreOutageEvent): string {
  if (event.type === 'store.back') return `store back after ${(event.downMs / 1000).toFixed(1)} s`;
  const since = new Date(event.since).toTimeString().slice(0, 8);
  return `store unreachable since ${since} (${event.reason}), retrying (gives up after ${seconds(event.givesUpAfterMs)})…`;
}

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}
