import type { InspectorDelta, InspectorView } from './inspectorView.ts';

/** What the inspector server serves: a live orchestration or a stored one. */
export interface InspectorSource {
  /** The full current state, sent to every page when it connects. */
  view(): InspectorView;
  /** Changes, at most one delta per flush interval. Returns an unsubscribe function. */
  subscribe(listener: (delta: InspectorDelta) => void): () => void;
  /** Pause/resume/cancel, or null when the run cannot be controlled (stored runs). */
  readonly controls: InspectorControls | null;
  /** Stops listening to the orchestration. */
  close(): void;
}

export interface InspectorControls {
  readonly scenarios: readonly string[];
  /** True once every scenario is complete or failed: nothing left to control. */
  finished(): boolean;
  pause(scenario?: string): void;
  resume(scenario?: string): void;
  cancel(): void;
}
