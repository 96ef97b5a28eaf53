import type { AnyStateMachine, AnyStateNode } from 'xstate';
import { describe, expect, it } from 'vitest';
import { diagramMachines, exportDiagram } from '../../src/inspect/diagram.ts';
import { eventLabel, toMachineGraph, type MachineGraph } from '../../src/inspect/machineGraph.ts';
import { stateElementId, transitionElementId } from '../../src/inspect/toDot.ts';
import { mermaidId } from '../../src/inspect/toMermaid.ts';
import { overlappingLabels, svgTextBoxes } from './support/svgText.ts';

interface DefinedTransition {
  source: string;
  event: string;
  targets: string[];
  guard: string | null;
}

/**
 * What the machine itself defines, read through XState's StateNode API rather than through the code
 * under test: every state node, and every transition from `on`, `after`, invoke `onDone`/`onError`
 * (the definition's `transitions`) and eventless `always`.
 */
function defined(machine: AnyStateMachine): { states: AnyStateNode[]; transitions: DefinedTransition[] } {
  const states: AnyStateNode[] = [];
  const transitions: DefinedTransition[] = [];
  const guardName = (g: unknown) => (g === undefined ? null : typeof g === 'string' ? g : String((g as { type?: unknown }).type));
  const visit = (node: AnyStateNode) => {
    states.push(node);
    for (const t of [...node.definition.transitions, ...(node.always ?? [])]) {
      transitions.push({ source: node.id, event: String(t.eventType), targets: (t.target ?? []).map((s) => s.id), guard: guardName(t.guard) });
    }
    Object.values(node.states).forEach(visit);
  };
  visit(machine.root);
  return { states, transitions };
}

const label = (t: DefinedTransition) => (t.guard === null ? eventLabel(t.event) : `${eventLabel(t.event)} [${t.guard}]`);

describe.each(Object.entries(diagramMachines))('the %s statechart export', (name, machine) => {
  const { states, transitions } = defined(machine);
  const graph: MachineGraph = toMachineGraph(machine);

  it('reads the machine with something in it', () => {
    expect(states.length).toBeGreaterThan(2);
    expect(transitions.length).toBeGreaterThan(2);
    expect(graph.id).toBe(name);
  });

  it('has every state of the definition, and no other', () => {
    expect(graph.states.map((s) => s.id).sort()).toEqual(states.map((s) => s.id).sort());
  });

  it('has every transition of the definition (source, event, guard, targets), and no other', () => {
    const key = (t: { source: string; event: string; guard: string | null; targets: string[] }) => JSON.stringify([t.source, t.event, t.guard, t.targets]);
    expect(graph.transitions.map(key).sort()).toEqual(transitions.map(key).sort());
  });

  it('names every state and every transition in Mermaid', async () => {
    const mermaid = await exportDiagram(machine, 'mermaid');
    expect(mermaid.startsWith('stateDiagram-v2\n')).toBe(true);
    for (const state of states) expect(mermaid).toContain(`state "${state.key}" as ${mermaidId(graph, state.id)}`);
    for (const t of transitions) {
      for (const target of t.targets.length === 0 ? [t.source] : t.targets) {
        expect(mermaid).toContain(`${mermaidId(graph, t.source)} --> ${mermaidId(graph, target)} : ${label(t)}`);
      }
    }
  });

  it('names every state and every transition in DOT and in the rendered SVG', async () => {
    const dot = await exportDiagram(machine, 'dot');
    // Graphviz writes `-` in ids and text as `&#45;`.
    const svg = (await exportDiagram(machine, 'svg')).replaceAll('&#45;', '-');
    for (const state of states) {
      expect(dot).toContain(`id="${stateElementId(state.id)}"`);
      expect(svg).toContain(`id="${stateElementId(state.id)}"`);
    }
    graph.transitions.forEach((t, i) => {
      const expected = transitions.find((d) => d.source === t.source && d.event === t.event && d.guard === t.guard && d.targets.join() === t.targets.join());
      expect(expected, `transition ${i}`).toBeDefined();
      if (!expected) return;
      // Targetless transitions are listed inside their state; the others are edges with their own ids.
      if (t.targets.length === 0) expect(svg).toContain(label(expected));
      for (const target of t.targets) {
        expect(dot).toContain(`id="${transitionElementId(t.id, target)}", class="transition", label="${label(expected)}"`);
        expect(svg).toContain(`id="${transitionElementId(t.id, target)}"`);
      }
    });
  });

  it('lays out the SVG with no transition label over another label or a state\'s text', async () => {
    const boxes = svgTextBoxes(await exportDiagram(machine, 'svg'));
    expect(boxes.filter((b) => b.edge).length).toBe(graph.transitions.reduce((n, t) => n + t.targets.length, 0));
    expect(overlappingLabels(boxes)).toEqual([]);
  });

  it('exports JSON that round-trips to the same graph', async () => {
    expect(JSON.parse(await exportDiagram(machine, 'json'))).toEqual(graph);
  });

  it('renders a standalone SVG document', async () => {
    const svg = await exportDiagram(machine, 'svg');
    expect(svg).toMatch(/^<\?xml[^>]*\?>/);
    expect(svg).toContain('<svg ');
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg).not.toMatch(/https?:\/\/(?!www\.w3\.org)/);
  });
});

describe('eventLabel', () => {
  it('spells XState internal events the way the machine config names them', () => {
    expect(eventLabel('')).toBe('always');
    expect(eventLabel('xstate.after.retryBackoff.scenario.running')).toBe('after retryBackoff');
    expect(eventLabel('xstate.after.5000.x.y')).toBe('after 5000');
    expect(eventLabel('xstate.done.actor.runner')).toBe('done: runner');
    expect(eventLabel('xstate.error.actor.runner')).toBe('error: runner');
    expect(eventLabel('xstate.done.state.scenario.running')).toBe('done');
    expect(eventLabel('scenario.pause')).toBe('scenario.pause');
  });
});
