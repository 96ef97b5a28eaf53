import cliProgress from 'cli-progress';
import type { ScenarioProgress } from '../report/schema.ts';
import { userStatus, type ProgressView } from './progressView.ts';

// Apart from progressView.ts so cli-progress is loaded only for a terminal: piped and --json runs never draw bars.

/** The longest status userStatus can give, so the bars can leave room for it. */
const STATUS_WIDTH = 'failed (error_tolerance_exceeded)'.length;

/**
 * The bar line for a terminal `columns` wide: the fields that fit (least useful dropped first) and a bar
 * filling what is left, so cli-progress never has to cut the line (which loses the status at its end).
 */
export function barLayout(columns: number, nameWidth: number, maxInputSize: number): { format: string; barsize: number } {
  const digits = String(maxInputSize).length;
  const fields = [
    { text: ' | {items}/{size} items', width: 3 + 2 * digits + 7 },
    { text: ' | {batches} batches', width: 3 + digits + 8 },
    { text: ' | milestone {milestone}', width: 3 + 10 + 3 },
  ];
  // " name " + bar + " 100%" + " | " + status
  const fixed = 1 + nameWidth + 1 + 5 + 3 + STATUS_WIDTH;
  const minBar = 10;
  while (fields.length > 0 && fixed + minBar + fields.reduce((n, f) => n + f.width, 0) > columns) fields.pop();
  const used = fixed + fields.reduce((n, f) => n + f.width, 0);
  const barsize = Math.max(minBar, Math.min(40, columns - used - 1));
  return { format: ` {name} {bar} {percentage}%${fields.map((f) => f.text).join('')} | {state}`, barsize };
}

/** One live bar per scenario (%, items, milestone, status), drawn on stderr by cli-progress, as wide as the terminal. */
export function barsView(stream: NodeJS.WritableStream, initial: ScenarioProgress[]): ProgressView {
  const width = Math.max(...initial.map((p) => p.name.length));
  const columns = (stream as Partial<NodeJS.WriteStream>).columns ?? 80;
  const multibar = new cliProgress.MultiBar(
    {
      stream: stream,
      ...barLayout(columns, width, Math.max(...initial.map((p) => p.inputSize))),
      hideCursor: true,
      clearOnComplete: false,
      stopOnComplete: false,
      fps: 10,
      forceRedraw: true,
    },
    cliProgress.Presets.shades_classic,
  );
  const bars = new Map(
    initial.map((p) => [
      p.name,
      multibar.create(100, 0, { name: p.name.padEnd(width), items: 0, size: p.inputSize, batches: 0, milestone: '-', state: userStatus(p) }),
    ]),
  );
  const states = new Map<string, string>();
  const barriers = new Map<string, number>();
  const latest = new Map<string, ScenarioProgress>();
  let stopped = false;
  const draw = (p: ScenarioProgress) =>
    bars.get(p.name)?.update(Math.floor(p.progressPct), {
      items: p.itemsProcessed + p.itemsFailed,
      batches: p.batchCount,
      milestone: p.currentMilestone ?? '-',
      state: userStatus(p, states.get(p.name), barriers.get(p.name)),
    });
  return {
    update(event) {
      if (event.type === 'barrier.arrived') {
        // The arrival follows the scenario's move to atBarrier: redraw with the barrier's milestone.
        barriers.set(event.scenario, event.milestone);
        const p = latest.get(event.scenario);
        if (p) draw(p);
        return;
      }
      if (event.type !== 'scenario.state' && event.type !== 'batch.settled') return;
      const p = event.progress;
      latest.set(p.name, p);
      if (event.type === 'scenario.state') {
        // A new wait is at a barrier not announced yet: forget the last one's milestone.
        if (event.state.endsWith('atBarrier') && !states.get(p.name)?.endsWith('atBarrier')) barriers.delete(p.name);
        states.set(p.name, event.state);
      }
      draw(p);
    },
    stop() {
      if (stopped) return;
      stopped = true;
      multibar.stop();
    },
    note(line) {
      if (stopped) stream.write(`${line}\n`);
      else multibar.log(`${line}\n`);
    },
  };
}
