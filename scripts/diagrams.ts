/** Regenerates docs/diagrams/* from the machine definitions: `npm run docs:diagrams`. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { diagramDocs } from '../src/inspect/diagramDocs.ts';

for (const file of await diagramDocs()) {
  mkdirSync(dirname(file.path), { recursive: true });
  writeFileSync(file.path, file.content);
  console.error(`wrote ${file.path}`);
}
