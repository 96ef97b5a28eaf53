import type { GraphState, MachineGraph } from './machineGraph.ts';
import { fullLabel } from './toDot.ts';

/**
 * Mermaid `stateDiagram-v2` text for a statechart (GitHub renders it inline in Markdown). The machine is
 * the outermost composite state, so its own targetless transitions have somewhere to loop. Targetless
 * transitions are self-loops; final states point to `[*]`. Each transition is written inside the
 * innermost composite that contains both its ends, where Mermaid lays it out without duplicating states.
 */
export function toMermaid(graph: MachineGraph): string {
  const children = new Map<string | null, GraphState[]>();
  for (const s of graph.states) children.set(s.parent, [...(children.get(s.parent) ?? []), s]);
  const byId = new Map(graph.states.map((s) => [s.id, s]));
  const ancestors = (id: string): string[] => {
    const chain: string[] = [];
    for (let s = byId.get(id); s; s = s.parent === null ? undefined : byId.get(s.parent)) chain.unshift(s.id);
    return chain;
  };
  /** The innermost composite state that contains both states (a state does not contain itself). */
  const container = (a: string, b: string): string | null => {
    const pa = ancestors(a).slice(0, -1);
    const pb = ancestors(b).slice(0, -1);
    let common: string | null = null;
    for (let i = 0; i < Math.min(pa.length, pb.length) && pa[i] === pb[i]; i++) common = pa[i] ?? null;
    return common;
  };

  const edgesIn = new Map<string | null, string[]>();
  const addEdge = (scope: string | null, line: string) => edgesIn.set(scope, [...(edgesIn.get(scope) ?? []), line]);
  for (const t of graph.transitions) {
    const targets = t.targets.length === 0 ? [t.source] : t.targets;
    for (const target of targets) addEdge(container(t.source, target), `${mermaidId(graph, t.source)} --> ${mermaidId(graph, target)} : ${label(fullLabel(t))}`);
  }

  const lines = ['stateDiagram-v2'];
  const emit = (state: GraphState, indent: string) => {
    const id = mermaidId(graph, state.id);
    const kids = children.get(state.id) ?? [];
    if (kids.length === 0) {
      lines.push(`${indent}state "${label(state.key)}" as ${id}`);
      if (state.kind === 'final') lines.push(`${indent}${id} --> [*]`);
      return;
    }
    lines.push(`${indent}state "${label(state.key)}" as ${id} {`);
    if (state.initial !== null) lines.push(`${indent}  [*] --> ${mermaidId(graph, state.initial)}`);
    for (const child of kids) emit(child, `${indent}  `);
    for (const edge of edgesIn.get(state.id) ?? []) lines.push(`${indent}  ${edge}`);
    lines.push(`${indent}}`);
  };
  for (const root of children.get(null) ?? []) emit(root, '  ');
  for (const edge of edgesIn.get(null) ?? []) lines.push(`  ${edge}`);
  return `${lines.join('\n')}\n`;
}

/** Mermaid ids allow letters, digits and `_` only: the state path joined with `__`, under the machine id. */
export function mermaidId(graph: MachineGraph, stateId: string): string {
  const state = graph.states.find((s) => s.id === stateId);
  const parts = [graph.id, ...(state?.path ?? [stateId])];
  return parts.map((p) => p.replace(/[^A-Za-z0-9_]/g, '_')).join('__');
}

/** Mermaid ends a label at a newline and chokes on `;`, `#` and quotes. */
function label(text: string): string {
  return text.replace(/[\n;#"]/g, ' ');
}
