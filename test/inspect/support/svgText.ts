/** A text element of a Graphviz SVG with an approximate bounding box (SVG user units, y grows downwards). */
export interface SvgTextBox {
  text: string;
  /** True for a transition's label (edge text or label node), false for a state's own text. */
  edge: boolean;
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

/**
 * Helvetica's advance widths (Adobe's AFM, 1/1000 em) for ASCII 32–126: the metrics Graphviz lays out
 * with and that Arial / Liberation Sans, the browsers' Helvetica, share.
 */
// prettier-ignore
const HELVETICA = [
  278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, // space … /
  556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, // 0 … ?
  1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, // @ … O
  667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, // P … _
  333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, // ` … o
  556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, // p … ~
];

/** Width of a text in ems; bold Helvetica runs about 10 % wider. */
export function textWidthEm(text: string, bold = false): number {
  let units = 0;
  for (const ch of text) units += HELVETICA[(ch.codePointAt(0) ?? 0) - 32] ?? 600;
  return (units / 1000) * (bold ? 1.1 : 1);
}

/** Boxes closer than this (SVG units) count as overlapping: labels that touch are unreadable too. */
const GAP = 1;

/**
 * Reads every `<text>` of a Graphviz SVG with its box: `x`/`y` are the anchor and baseline, the width
 * comes from Helvetica's metrics, the height from the font size (ascent 0.8 em, descent 0.2 em).
 */
export function svgTextBoxes(svg: string): SvgTextBox[] {
  const boxes: SvgTextBox[] = [];
  let edge = false;
  const tokens = /<g\b[^>]*\bclass="([^"]*)"[^>]*>|<text\b([^>]*)>([^<]*)<\/text>/g;
  for (const match of svg.matchAll(tokens)) {
    if (match[1] !== undefined) {
      // A transition label is an edge's text, or a label node of its own (class "transition").
      const classes = match[1].split(/\s+/);
      edge = classes.includes('edge') || classes.includes('transition');
      continue;
    }
    const attrs = match[2] ?? '';
    const attr = (name: string) => new RegExp(`\\b${name}="([^"]*)"`).exec(attrs)?.[1];
    const text = decode(match[3] ?? '');
    const x = Number(attr('x'));
    const y = Number(attr('y'));
    const size = Number(attr('font-size') ?? 14);
    const width = textWidthEm(text, attr('font-weight') === 'bold') * size;
    const anchor = attr('text-anchor') ?? 'start';
    const x0 = anchor === 'middle' ? x - width / 2 : anchor === 'end' ? x - width : x;
    boxes.push({ text, edge, x0, x1: x0 + width, y0: y - size * 0.8, y1: y + size * 0.2 });
  }
  return boxes;
}

/** Pairs of boxes that overlap, where at least one is an edge label. */
export function overlappingLabels(boxes: readonly SvgTextBox[]): [string, string][] {
  const out: [string, string][] = [];
  boxes.forEach((a, i) => {
    for (const b of boxes.slice(i + 1)) {
      if (!a.edge && !b.edge) continue;
      if (a.x0 < b.x1 + GAP && b.x0 < a.x1 + GAP && a.y0 < b.y1 + GAP && b.y0 < a.y1 + GAP) out.push([a.text, b.text]);
    }
  });
  return out;
}

function decode(text: string): string {
  return text
    .replaceAll('&#45;', '-')
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&quot;', '"')
    .replaceAll('&amp;', '&');
}
