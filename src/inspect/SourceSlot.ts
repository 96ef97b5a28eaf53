import type { InspectorDelta, InspectorView } from './inspectorView.ts';
import type { InspectorControls, InspectorSource } from './InspectorSource.ts';
import { ScenarioError } from '../errors.ts';

/**
 * A source filled in later, so a server can take its port before the run it will show exists (the CLI
 * binds first, then creates the stored orchestration: a busy port then leaves nothing behind).
 */
export class SourceSlot implements InspectorSource {
  #source: InspectorSource | undefined;

  fill(source: InspectorSource): void {
    this.#source = source;
  }

  view(): InspectorView {
    if (!this.#source) throw new ScenarioError('not_found', 'the orchestration has not been created yet');
    return this.#source.view();
  }

  subscribe(listener: (delta: InspectorDelta) => void): () => void {
    return this.#source?.subscribe(listener) ?? (() => undefined);
  }

  get controls(): InspectorControls | null {
    return this.#source?.controls ?? null;
  }

  close(): void {
    this.#source?.close();
  }
}
