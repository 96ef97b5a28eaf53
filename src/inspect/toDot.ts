import type { GraphState, GraphTransition, MachineGraph } from './machineGraph.ts';

/**
 * Graphviz DOT for a statechart. Compound states are clusters; each has a small initial-state dot, which
 * also anchors edges that start or end at the cluster (`ltail`/`lhead`). Targetless transitions are
 * listed inside their state (UML's internal transitions), since a self-loop on a cluster cannot be drawn.
 * Every state and transition carries an SVG `id` (`state:<id>`, `transition:<id>`), which the inspector
 * page uses to highlight active states.
 */
export function toDot(graph: MachineGraph): string {
  const children = new Map<string | null, GraphState[]>();
  for (const s of graph.states) children.set(s.parent, [...(children.get(s.parent) ?? []), s]);
  const internal = new Map<string, GraphTransition[]>();
  for (const t of graph.transitions) if (t.targets.length === 0) internal.set(t.source, [...(internal.get(t.source) ?? []), t]);
  const isCluster = (s: GraphState) => (children.get(s.id)?.length ?? 0) > 0;
  const byId = new Map(graph.states.map((s) => [s.id, s]));
  /** The state's compound ancestors, innermost first, itself included when it is compound. */
  const clustersAround = (id: string) => {
    const out: string[] = [];
    for (let s = byId.get(id); s; s = s.parent === null ? undefined : byId.get(s.parent)) if (isCluster(s)) out.push(s.id);
    return out;
  };
  /** The innermost cluster holding both states (null: the top level). */
  const commonCluster = (a: string, b: string) => {
    const around = new Set(clustersAround(b));
    return clustersAround(a).find((id) => around.has(id)) ?? null;
  };

  // Each transition's label is a node of its own, placed in the innermost cluster holding both ends, with
  // one edge in and one out. The layout then keeps labels clear of states, of the texts compound states
  // carry (entry/exit/invoke lines) and of each other; plain edge labels landed on those texts.
  const labelNodes = new Map<string | null, string[]>();
  const edges: string[] = [];
  for (const t of graph.transitions) {
    const source = byId.get(t.source);
    if (!source) continue;
    for (const targetId of t.targets) {
      const target = byId.get(targetId);
      if (!target) continue;
      const home = commonCluster(source.id, target.id);
      const label = labelNodeOf(t.id, targetId);
      const eventless = t.event === '';
      labelNodes.set(home, [
        ...(labelNodes.get(home) ?? []),
        `${quote(label)} [id=${quote(transitionElementId(t.id, targetId))}, class="transition", label=${quote(edgeLabel(t))}, tooltip=${quote(fullLabel(t))}, shape=plain, fontsize=9, fontcolor="#334155"];`,
      ]);
      // Graphviz rejects ltail/lhead when the other end lies inside that cluster: the label's home is the
      // one cluster that can hold an end's far side.
      const tail = isCluster(source) && source.id !== home ? `, ltail=${quote(`cluster_${source.id}`)}` : '';
      const head = isCluster(target) && target.id !== home ? `, lhead=${quote(`cluster_${target.id}`)}` : '';
      const style = eventless ? ', style=dashed' : '';
      edges.push(`  ${endpoint(source, isCluster)} -> ${quote(label)} [class="transition-edge", arrowhead=none${tail}${style}];`);
      edges.push(`  ${quote(label)} -> ${endpoint(target, isCluster)} [class="transition-edge"${head}${style}];`);
    }
  }

  const lines: string[] = [
    `digraph ${quote(graph.id)} {`,
    `  graph [id=${quote(`machine:${graph.id}`)}, compound=true, rankdir=LR, nodesep=0.3, ranksep=0.3, fontname="Helvetica", fontsize=11, labeljust=l];`,
    '  node [shape=box, style="rounded,filled", fillcolor="#ffffff", color="#475569", fontname="Helvetica", fontsize=11, margin="0.12,0.06"];',
    '  edge [color="#64748b", arrowsize=0.7];',
  ];

  const emitState = (state: GraphState, indent: string) => {
    if (isCluster(state)) {
      lines.push(`${indent}subgraph ${quote(`cluster_${state.id}`)} {`);
      lines.push(`${indent}  id=${quote(stateElementId(state.id))}; class="state ${state.kind}";`);
      lines.push(`${indent}  label=<${stateLabel(state, internal.get(state.id) ?? [])}>;`);
      lines.push(`${indent}  style="rounded,filled"; fillcolor="#f8fafc"; color="#94a3b8"; penwidth=1.2;`);
      lines.push(`${indent}  ${quote(anchorOf(state.id))} [id=${quote(`initial:${state.id}`)}, class="initial", shape=point, width=0.1, label="", fillcolor="#334155"];`);
      for (const child of children.get(state.id) ?? []) emitState(child, `${indent}  `);
      for (const label of labelNodes.get(state.id) ?? []) lines.push(`${indent}  ${label}`);
      lines.push(`${indent}}`);
    } else {
      const final = state.kind === 'final' ? ', peripheries=2' : '';
      lines.push(`${indent}${quote(state.id)} [id=${quote(stateElementId(state.id))}, class="state ${state.kind}", label=<${stateLabel(state, internal.get(state.id) ?? [])}>${final}];`);
    }
  };
  for (const root of children.get(null) ?? []) emitState(root, '  ');
  for (const label of labelNodes.get(null) ?? []) lines.push(`  ${label}`);

  // Initial-state arrows: from each cluster's dot to its initial child.
  for (const state of graph.states) {
    if (!isCluster(state) || state.initial === null) continue;
    const target = byId.get(state.initial);
    if (!target) continue;
    const head = isCluster(target) ? `, lhead=${quote(`cluster_${target.id}`)}` : '';
    lines.push(`  ${quote(anchorOf(state.id))} -> ${endpoint(target, isCluster)} [class="initial-transition", arrowsize=0.6${head}];`);
  }
  lines.push(...edges);
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

export const stateElementId = (stateId: string) => `state:${stateId}`;
export const transitionElementId = (transitionId: string, target: string) => `transition:${transitionId}:${target}`;

const anchorOf = (stateId: string) => `${stateId}.__initial`;
const labelNodeOf = (transitionId: string, target: string) => `${transitionId}:${target}.__label`;
const endpoint = (s: GraphState, isCluster: (s: GraphState) => boolean) => quote(isCluster(s) ? anchorOf(s.id) : s.id);

/** `event [guard]`: what an edge shows. */
export function edgeLabel(t: GraphTransition): string {
  return t.guard === null ? t.label : `${t.label} [${t.guard}]`;
}

/** `event [guard] / action, action`: UML's full transition label. */
export function fullLabel(t: GraphTransition): string {
  return t.actions.length === 0 ? edgeLabel(t) : `${edgeLabel(t)} / ${t.actions.join(', ')}`;
}

function stateLabel(state: GraphState, internal: GraphTransition[]): string {
  const rows = [`<TR><TD ALIGN="LEFT"><B>${html(state.key)}</B></TD></TR>`];
  const detail = (text: string) => rows.push(`<TR><TD ALIGN="LEFT"><FONT POINT-SIZE="9" COLOR="#475569">${html(text)}</FONT></TD></TR>`);
  if (state.entry.length > 0) detail(`entry / ${state.entry.join(', ')}`);
  if (state.exit.length > 0) detail(`exit / ${state.exit.join(', ')}`);
  for (const i of state.invoke) detail(`invoke ${i.src}${i.id === i.src ? '' : ` (${i.id})`}`);
  for (const t of internal) detail(fullLabel(t));
  return `<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">${rows.join('')}</TABLE>`;
}

function quote(text: string): string {
  return `"${text.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

function html(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}
