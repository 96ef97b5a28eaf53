import type { ProgressEvent } from '../api/progressEvents.ts';
import type { ScenarioProgress } from '../report/schema.ts';

export interface ProgressView {
  update(event: ProgressEvent): void;
  stop(): void;
  /** Prints a line of its own (a store outage, say) without breaking the bars. */
  note?(line: string): void;
}

const pct = (p: ScenarioProgress) => `${p.progressPct.toFixed(0).padStart(3)}%`;

/**
 * What a user calls a scenario's state: running, pausing, at barrier 30%, retrying, paused, complete,
 * failed (reason); never the machine's internal names (`active`, `draining`). `state` is the machine's
 * state path when known; `barrier` the milestone it waits at.
 */
export function userStatus(p: ScenarioProgress, state?: string, barrier?: number): string {
  if (p.status === 'failed') return `failed (${p.failureReason ?? 'error'})`;
  if (p.status === 'complete') return 'complete';
  if (state === undefined) return p.status;
  if (state.startsWith('paused')) return 'paused';
  if (state.endsWith('draining')) return 'pausing';
  if (state.endsWith('atBarrier')) return `at barrier ${barrier ?? p.currentMilestone ?? '?'}%`;
  if (state.endsWith('retrying')) return 'retrying';
  if (state.startsWith('running')) return 'running';
  return p.status;
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
