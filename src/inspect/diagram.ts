import type { AnyStateMachine } from 'xstate';
import { orchestratorMachine } from '../machines/orchestratorMachine.ts';
import { scenarioMachine } from '../machines/scenarioMachine.ts';
import { toMachineGraph, type MachineGraph } from './machineGraph.ts';
import { renderSvg } from './renderSvg.ts';
import { toDot } from './toDot.ts';
import { toMermaid } from './toMermaid.ts';

export const diagramFormats = ['mermaid', 'dot', 'svg', 'json'] as const;
export type DiagramFormat = (typeof diagramFormats)[number];

/** The library's statecharts by the name the CLI's `--machine` takes. */
export const diagramMachines = { orchestrator: orchestratorMachine, scenario: scenarioMachine } as const satisfies Record<string, AnyStateMachine>;
export type DiagramMachineName = keyof typeof diagramMachines;

/**
 * A statechart as Mermaid, Graphviz DOT, SVG (rendered offline) or JSON, generated from the machine
 * definition itself.
 * @example
 * ```ts
 * import { exportDiagram, scenarioMachine } from 'scenario-orchestrator';
 * await writeFile('scenario.svg', await exportDiagram(scenarioMachine, 'svg'));
 * ```
 */
export async function exportDiagram(machine: AnyStateMachine, format: DiagramFormat): Promise<string> {
  const graph = toMachineGraph(machine);
  switch (format) {
    case 'mermaid':
      return toMermaid(graph);
    case 'dot':
      return toDot(graph);
    case 'svg':
      return renderSvg(toDot(graph));
    case 'json':
      return `${JSON.stringify(graph, null, 2)}\n`;
  }
}

const graphs = new Map<DiagramMachineName, MachineGraph>();

/** The graph of one of the library's machines, read once. */
export function graphOf(name: DiagramMachineName): MachineGraph {
  let graph = graphs.get(name);
  if (!graph) {
    graph = toMachineGraph(diagramMachines[name]);
    graphs.set(name, graph);
  }
  return graph;
}

export function isDiagramMachineName(name: unknown): name is DiagramMachineName {
  return typeof name === 'string' && Object.hasOwn(diagramMachines, name);
}
