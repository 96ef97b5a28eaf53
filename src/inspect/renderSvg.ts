import { Graphviz } from '@hpcc-js/wasm-graphviz';

let graphviz: Promise<Graphviz> | undefined;

/**
 * Lays out DOT and renders it to SVG with Graphviz compiled to WebAssembly (shipped inside the npm
 * package), so it works offline and needs no `dot` binary. The WASM module loads once per process.
 */
export async function renderSvg(dot: string): Promise<string> {
  graphviz ??= Graphviz.load();
  return (await graphviz).dot(dot, 'svg');
}
