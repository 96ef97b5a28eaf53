import cliProgress from 'cli-progress';
import type { ProgressEvent } from '../api/progressEvents.ts';
import type { ScenarioProgress } from '../report/schema.ts';

export interface ProgressView {
  update(event: ProgressEvent): void;
  stop(): void;
}

const pct = (p: ScenarioProgress) => `${p.progressPct.toFixed(0).padStart(3)}%`;
const stateLabel = (state: string) => state.replace('running.working.processing.', '').replace('running.working.', '').replace('running.', '');

/** One live bar per scenario (%, items, milestone, state), drawn on stderr by cli-progress. */
export function barsView(stream: NodeJS.WritableStream, initial: ScenarioProgress[]): ProgressView {
  const multibar = new cliProgress.MultiBar(
    {
      stream: stream,
      format: ' {name} {bar} {percentage}% | {items}/{size} items | {batches} batches | milestone {milestone} | {state}',
      barsize: 24,
      hideCursor: true,
      clearOnComplete: false,
      stopOnComplete: false,
      fps: 10,
      forceRedraw: true,
    },
    cliProgress.Presets.shades_classic,
  );
  const width = Math.max(...initial.map((p) => p.name.length));
  const bars = new Map(
    initial.map((p) => [
      p.name,
      multibar.create(100, 0, { name: p.name.padEnd(width), items: 0, size: p.inputSize, batches: 0, milestone: '-', state: p.status }),
    ]),
  );
  const states = new Map<string, string>();
  let stopped = false;
  return {
    update(event) {
      if (event.type !== 'scenario.state' && event.type !== 'batch.settled') return;
      const p = event.progress;
      if (event.type === 'scenario.state') states.set(p.name, stateLabel(event.state));
      bars.get(p.name)?.update(Math.floor(p.progressPct), {
        items: p.itemsProcessed + p.itemsFailed,
        batches: p.batchCount,
        milestone: p.currentMilestone ?? '-',
        state: p.status === 'failed' ? `failed (${p.failureReason ?? 'error'})` : (states.get(p.name) ?? p.status),
      });
    },
    stop() {
      if (stopped) return;
      stopped = true;
      multibar.stop();
    },
  };
}

/** Line-per-event progress for logs and pipes: milestones, barriers, retries and state changes. */
export function linesView(stream: NodeJS.WritableStream): ProgressView {
  const write = (line: string) => stream.write(`${line}\n`);
  const statuses = new Map<string, string>();
  return {
    update(event) {
      switch (event.type) {
        case 'scenario.state':
          // Barrier waits have lines of their own; print a scenario's line when its status changes.
          if (statuses.get(event.scenario) === event.progress.status) break;
          statuses.set(event.scenario, event.progress.status);
          write(`[${event.scenario}] ${event.progress.status} ${pct(event.progress)} ${event.progress.itemsProcessed + event.progress.itemsFailed}/${event.progress.inputSize} items${event.progress.failureReason ? ` (${event.progress.failureReason})` : ''}`);
          break;
        case 'milestone.reached':
          write(`[${event.scenario}] milestone ${event.milestone}% at ${Math.round(event.elapsedMs)} ms`);
          break;
        case 'batch.retrying':
          write(`[${event.scenario}] batch ${event.batchIndex} failed (${event.error}); retry ${event.attempt}`);
          break;
        case 'barrier.arrived':
          write(`[barrier ${event.milestone}%] ${event.scenario} arrived`);
          break;
        case 'barrier.released':
          write(
            `[barrier ${event.barrier.milestone}%] released by ${event.barrier.releasedBy} after ${Math.round(event.barrier.releasedAtMs - event.barrier.openedAtMs)} ms${event.barrier.late.length ? `; late: ${event.barrier.late.join(', ')}` : ''}`,
          );
          break;
        default:
          break;
      }
    },
    stop() {},
  };
}
