import { colourClass } from './format.js';

// The statecharts are SVG rendered on the server by Graphviz from the machine definitions. Every state is
// a <g id="state:<state node id>">, so highlighting an actor's active states is a matter of classes.

const svgNS = 'http://www.w3.org/2000/svg';

/** Fetches one machine's SVG and inlines it into its figure (inline, so the page's CSS can style it). */
export async function loadChart(figure) {
  const host = figure.querySelector('.svg-host');
  const response = await fetch(`/diagrams/${figure.dataset.machine}.svg`);
  if (!response.ok) throw new Error(`diagram ${figure.dataset.machine}: HTTP ${response.status}`);
  const text = await response.text();
  const svg = new DOMParser().parseFromString(text, 'image/svg+xml').documentElement;
  svg.removeAttribute('width');
  svg.removeAttribute('height');
  svg.classList.add('statechart');
  host.replaceChildren(document.importNode(svg, true));
}

function stateGroup(root, stateId) {
  // getElementById works with the ':' and '.' in our ids, where a CSS selector would need escaping.
  return root.ownerDocument.getElementById(`state:${stateId}`);
}

/**
 * Marks the states the given actors are in. Every active state gets `.active`; each actor's innermost
 * state also gets a tag with the actor's name (several actors can share a state).
 * @param {HTMLElement} figure
 * @param {Array<{ name: string, activeStates: string[], index: number }>} actors
 */
export function highlight(figure, actors) {
  const svg = figure.querySelector('svg');
  if (!svg) return;
  for (const node of svg.querySelectorAll('.active, .current')) node.classList.remove('active', 'current');
  for (const tag of svg.querySelectorAll('.actor-tag')) tag.remove();

  const atLeaf = new Map();
  for (const actor of actors) {
    actor.activeStates.forEach((id, i) => {
      const group = stateGroup(svg, id);
      if (!group) return;
      group.classList.add('active');
      if (i === actor.activeStates.length - 1) {
        group.classList.add('current');
        if (!atLeaf.has(id)) atLeaf.set(id, []);
        atLeaf.get(id).push(actor);
      }
    });
  }
  for (const [id, here] of atLeaf) {
    const group = stateGroup(svg, id);
    const shape = group.querySelector('path, polygon, ellipse');
    if (!shape || !here.some((a) => a.name)) continue;
    const box = shape.getBBox();
    let x = box.x + box.width - 4;
    // Tags sit on the state's top edge, right-aligned, one per actor.
    for (const actor of [...here].reverse()) {
      if (!actor.name) continue;
      const label = document.createElementNS(svgNS, 'text');
      label.setAttribute('class', `actor-tag ${colourClass(actor.index)}`);
      label.setAttribute('x', String(x));
      label.setAttribute('y', String(box.y - 2));
      label.setAttribute('text-anchor', 'end');
      label.textContent = actor.name;
      group.append(label);
      x -= label.getComputedTextLength() + 8;
    }
  }
}
