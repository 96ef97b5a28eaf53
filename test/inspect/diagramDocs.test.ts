import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { diagramDocs } from '../../src/inspect/diagramDocs.ts';

describe('docs/diagrams', () => {
  it('match the machines they are generated from (run `npm run docs:diagrams` to refresh)', async () => {
    for (const file of await diagramDocs()) {
      expect(readFileSync(new URL(`../../${file.path}`, import.meta.url), 'utf8'), file.path).toBe(file.content);
    }
  });
});
