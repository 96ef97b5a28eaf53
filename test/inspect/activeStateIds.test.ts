import { describe, expect, it } from 'vitest';
import { graphOf } from '../../src/inspect/diagram.ts';
import { activeStateIds } from '../../src/inspect/machineGraph.ts';

describe('activeStateIds', () => {
  const scenario = graphOf('scenario');

  it('maps a nested state value to the state node ids to highlight, root first', () => {
    expect(activeStateIds(scenario, { running: { working: { processing: 'active' } } })).toEqual([
      'scenario',
      'scenario.running',
      'scenario.running.working',
      'scenario.running.working.processing',
      'scenario.running.working.processing.active',
    ]);
  });

  it('maps a top-level state value', () => {
    expect(activeStateIds(scenario, 'paused')).toEqual(['scenario', 'scenario.paused']);
    expect(activeStateIds(graphOf('orchestrator'), 'done')).toEqual(['orchestrator', 'orchestrator.done']);
  });

  it('ignores keys the machine does not have', () => {
    expect(activeStateIds(scenario, { nowhere: 'at all' })).toEqual(['scenario']);
  });
});
