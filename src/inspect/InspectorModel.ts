import type { ProgressEvent } from '../api/progressEvents.ts';
import type { BarrierRecord, Report, ScenarioProgress } from '../report/schema.ts';
import type { ActorView, BarrierView, InspectorDelta, InspectorView, LogEntry, RunStatus, ScenarioView } from './inspectorView.ts';
import { RingBuffer } from './RingBuffer.ts';

export interface InspectorModelOptions {
  orchestrationId: string;
  skill: string;
  barrierTimeoutMs: number;
  live: boolean;
  stored?: { status: string } | null;
  /** Log entries kept for pages that connect later (default 1000). */
  logCapacity?: number;
  /** Most log entries one snapshot or delta carries (default 300); older ones are counted as skipped. */
  logBatch?: number;
}

/**
 * Everything the inspector page shows, kept current from progress and inspection events, and able to
 * say what changed since it was last asked (`takeDelta`), so updates can be sent at a steady rate
 * however fast the run goes.
 */
export class InspectorModel {
  readonly #options: Required<Omit<InspectorModelOptions, 'stored'>> & { stored: { status: string } | null };
  readonly #scenarios = new Map<string, ScenarioView>();
  readonly #actors = new Map<string, ActorView>();
  readonly #barriers = new Map<number, BarrierView>();
  readonly #log: RingBuffer<LogEntry>;
  #seq = 0;
  #status: RunStatus = 'ready';
  #startedAt: number | null = null;
  #report: { report: Report; text: string } | null = null;
  #error: string | null = null;

  // What changed since the last delta.
  readonly #dirtyScenarios = new Set<string>();
  readonly #dirtyActors = new Set<string>();
  #dirtyBarriers = false;
  #dirtyRun = false;
  #sentSeq = 0;
  #skipped = 0;

  constructor(options: InspectorModelOptions) {
    this.#options = { logCapacity: 1000, logBatch: 300, ...options, stored: options.stored ?? null };
    this.#log = new RingBuffer(this.#options.logCapacity);
  }

  get scenarioNames(): string[] {
    return [...this.#scenarios.keys()];
  }

  get status(): RunStatus {
    return this.#status;
  }

  setScenario(view: ScenarioView): void {
    // A card keeps the worker of its latest remote batch until another batch names one.
    const worker = view.worker ?? this.#scenarios.get(view.name)?.worker;
    this.#scenarios.set(view.name, worker === undefined ? view : { ...view, worker });
    this.#dirtyScenarios.add(view.name);
    if (this.#startedAt === null && view.progress.startedAt !== null) this.#setRun({ startedAt: view.progress.startedAt });
  }

  /** New progress for a scenario's card, which keeps the state it has (and `worker`: the one that ran its latest batch, for a remote batch). */
  setProgress(progress: ScenarioProgress, worker?: string): void {
    const card = this.#scenarios.get(progress.name);
    this.setScenario({ name: progress.name, state: card?.state ?? progress.status, progress, ...(worker === undefined ? {} : { worker }) });
  }

  /** Records an actor's state; a scenario actor's state also goes on its card. */
  setActor(view: ActorView): void {
    this.#actors.set(view.id, view);
    this.#dirtyActors.add(view.id);
    if (view.machine === 'orchestrator' && this.#status !== 'finished' && this.#status !== 'failed') {
      const status: RunStatus = view.state === 'ready' ? 'ready' : 'running';
      if (status !== this.#status) this.#setRun({ status });
    }
    if (view.machine === 'scenario') {
      const name = view.id.slice('scenario:'.length);
      const card = this.#scenarios.get(name);
      if (card && card.state !== view.state) this.setScenario({ ...card, state: view.state });
    }
  }

  actor(id: string): ActorView | undefined {
    return this.#actors.get(id);
  }

  log(entry: Omit<LogEntry, 'seq'>): void {
    this.#seq += 1;
    this.#log.push({ seq: this.#seq, ...entry });
  }

  applyProgress(event: ProgressEvent): void {
    switch (event.type) {
      case 'scenario.state':
        this.setScenario({ name: event.progress.name, state: event.state, progress: event.progress });
        break;
      case 'batch.settled':
        this.setProgress(event.progress, event.worker);
        break;
      case 'barrier.arrived': {
        const barrier = this.#barriers.get(event.milestone) ?? { milestone: event.milestone, status: 'open', arrivals: [], deadlineMs: null, record: null };
        if (barrier.arrivals.some((a) => a.scenario === event.scenario)) break;
        this.#barriers.set(event.milestone, { ...barrier, arrivals: [...barrier.arrivals, { scenario: event.scenario, elapsedMs: event.elapsedMs }] });
        this.#dirtyBarriers = true;
        break;
      }
      case 'barrier.released':
        this.setBarrier(event.barrier);
        break;
      default:
        break;
    }
  }

  setBarrier(record: BarrierRecord): void {
    const arrivals = Object.entries(record.arrivedAtMs)
      .map(([scenario, elapsedMs]) => ({ scenario, elapsedMs }))
      .sort((a, b) => a.elapsedMs - b.elapsedMs);
    this.#barriers.set(record.milestone, { milestone: record.milestone, status: 'released', arrivals, deadlineMs: null, record });
    this.#dirtyBarriers = true;
  }

  /** When an open barrier times out (ms since the start), as the orchestrator's barrier book says. */
  setBarrierDeadline(milestone: number, deadlineMs: number): void {
    const barrier = this.#barriers.get(milestone);
    if (!barrier || barrier.status !== 'open' || barrier.deadlineMs === deadlineMs) return;
    this.#barriers.set(milestone, { ...barrier, deadlineMs });
    this.#dirtyBarriers = true;
  }

  finish(report: Report, text: string): void {
    for (const barrier of report.barriers) this.setBarrier(barrier);
    this.#report = { report, text };
    this.#setRun({ status: 'finished' });
  }

  /** The run ended in an error rather than a report. */
  fail(message: string): void {
    this.#error = message;
    this.#setRun({ status: 'failed' });
  }

  /** Something the page should say, which does not end the run (e.g. the inspector lost track of it). */
  warn(message: string): void {
    this.#error = message;
    this.#dirtyRun = true;
  }

  /** Anything to send since the last delta? */
  get dirty(): boolean {
    return this.#dirtyRun || this.#dirtyBarriers || this.#dirtyScenarios.size > 0 || this.#dirtyActors.size > 0 || this.#seq > this.#sentSeq;
  }

  view(now: number): InspectorView {
    return {
      orchestrationId: this.#options.orchestrationId,
      skill: this.#options.skill,
      live: this.#options.live,
      stored: this.#options.stored,
      status: this.#status,
      serverTime: now,
      startedAt: this.#startedAt,
      barrierTimeoutMs: this.#options.barrierTimeoutMs,
      scenarios: [...this.#scenarios.values()],
      actors: [...this.#actors.values()],
      barriers: this.#barrierList(),
      log: this.#log.last(this.#options.logBatch),
      logSkipped: Math.max(0, this.#seq - this.#options.logBatch),
      report: this.#report?.report ?? null,
      reportText: this.#report?.text ?? null,
      error: this.#error,
    };
  }

  /** What changed since the previous call; undefined if nothing did. */
  takeDelta(now: number): InspectorDelta | undefined {
    if (!this.dirty) return undefined;
    const delta: InspectorDelta = { serverTime: now };
    if (this.#dirtyRun) {
      delta.status = this.#status;
      delta.startedAt = this.#startedAt;
      if (this.#report) {
        delta.report = this.#report.report;
        delta.reportText = this.#report.text;
      }
      if (this.#error !== null) delta.error = this.#error;
    }
    if (this.#dirtyScenarios.size > 0) delta.scenarios = [...this.#dirtyScenarios].flatMap((n) => this.#scenarios.get(n) ?? []);
    if (this.#dirtyActors.size > 0) delta.actors = [...this.#dirtyActors].flatMap((id) => this.#actors.get(id) ?? []);
    if (this.#dirtyBarriers) delta.barriers = this.#barrierList();
    const fresh = this.#seq - this.#sentSeq;
    if (fresh > 0) {
      const sent = Math.min(fresh, this.#options.logBatch, this.#log.capacity);
      delta.log = this.#log.last(sent);
      this.#skipped += fresh - sent;
      if (fresh > sent) delta.logSkipped = this.#skipped;
    }
    this.#dirtyRun = false;
    this.#dirtyBarriers = false;
    this.#dirtyScenarios.clear();
    this.#dirtyActors.clear();
    this.#sentSeq = this.#seq;
    return delta;
  }

  #setRun(change: { status?: RunStatus; startedAt?: number | null }): void {
    if (change.status !== undefined) this.#status = change.status;
    if (change.startedAt !== undefined) this.#startedAt = change.startedAt;
    this.#dirtyRun = true;
  }

  #barrierList(): BarrierView[] {
    return [...this.#barriers.values()].sort((a, b) => a.milestone - b.milestone);
  }
}
