import { diagramMachines, exportDiagram, type DiagramMachineName } from './diagram.ts';

/** The diagram files the README shows, relative to the repository root. */
export async function diagramDocs(): Promise<{ path: string; content: string }[]> {
  const files: { path: string; content: string }[] = [];
  for (const name of Object.keys(diagramMachines) as DiagramMachineName[]) {
    const machine = diagramMachines[name];
    files.push({ path: `docs/diagrams/${name}.svg`, content: await exportDiagram(machine, 'svg') });
    files.push({ path: `docs/diagrams/${name}.mmd`, content: await exportDiagram(machine, 'mermaid') });
  }
  return files;
}
