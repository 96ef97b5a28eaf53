import type { BarrierRecord, Report, ScenarioProgress } from '../report/schema.ts';
import type { DiagramMachineName } from './diagram.ts';

/**
 * What the inspector page shows, as plain JSON. The server sends a full InspectorView when a page
 * connects (or reconnects), then InspectorDeltas holding only what changed.
 */

/** A running machine actor, located in its statechart. */
export interface ActorView {
  /** `orchestrator` or `scenario:<name>`. */
  id: string;
  machine: DiagramMachineName;
  /** Dotted state path, e.g. `running.working.processing.active`. */
  state: string;
  /** Every active state node id, ancestors included: the page highlights `#state:<id>` in the SVG. */
  activeStates: string[];
  status: 'active' | 'done' | 'error' | 'stopped';
}

export interface ScenarioView {
  name: string;
  /** The scenario actor's state path (its status alone once the run is stored). */
  state: string;
  progress: ScenarioProgress;
  /** The `scenarios worker` that ran the scenario's latest settled batch (`host/pid-xxxx`); absent for a local run. */
  worker?: string;
}

export interface ArrivalView {
  scenario: string;
  /** ms since the orchestration started. */
  elapsedMs: number;
}

export interface BarrierView {
  milestone: number;
  status: 'open' | 'released';
  arrivals: ArrivalView[];
  /** While open: when its timeout releases it, in ms since the orchestration started (null if unknown). */
  deadlineMs: number | null;
  /** Set once released: by whom, when, and who was late. */
  record: BarrierRecord | null;
}

export type LogKind = 'event' | 'state' | 'actor';

/** One line of the event log, derived from an XState inspection event. */
export interface LogEntry {
  seq: number;
  /** Epoch ms when the inspector saw it. */
  at: number;
  kind: LogKind;
  /** Display id of the actor concerned: the target of an event, e.g. `scenario:simple/runner`. */
  actor: string;
  source: string | null;
  /** The event type (for `state` entries: the event that caused the change). */
  type: string;
  /** Payload summary for events, `→ state.path` for state changes. */
  detail: string;
}

export type RunStatus = 'ready' | 'running' | 'finished' | 'failed';

export interface InspectorView {
  orchestrationId: string;
  skill: string;
  /** False for a stored run: nothing can be paused or resumed. */
  live: boolean;
  /** Where a stored run came from and in what state it was saved (null when live). */
  stored: { status: string } | null;
  status: RunStatus;
  /** Server clock when sent, so the page can tick elapsed times without trusting its own clock. */
  serverTime: number;
  startedAt: number | null;
  barrierTimeoutMs: number;
  scenarios: ScenarioView[];
  actors: ActorView[];
  barriers: BarrierView[];
  log: LogEntry[];
  /** Log entries not sent because they arrived faster than the page is updated. */
  logSkipped: number;
  report: Report | null;
  reportText: string | null;
  error: string | null;
}

export interface InspectorDelta {
  serverTime: number;
  status?: RunStatus;
  startedAt?: number | null;
  scenarios?: ScenarioView[];
  actors?: ActorView[];
  /** The whole (small) barrier list whenever any barrier changed. */
  barriers?: BarrierView[];
  log?: LogEntry[];
  logSkipped?: number;
  report?: Report;
  reportText?: string;
  error?: string;
}
