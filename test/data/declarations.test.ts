import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const folder = join(import.meta.dirname, '../../src/data');

/** The declaration `npm run build` ships for a file, made from its annotations alone (as isolatedDeclarations does). */
function declarationOf(file: string): { text: string; problems: string[] } {
  const output = ts.transpileDeclaration(readFileSync(join(folder, file), 'utf8'), {
    fileName: file,
    compilerOptions: { declaration: true, isolatedDeclarations: true, removeComments: true, allowImportingTsExtensions: true },
  });
  return { text: output.outputText, problems: (output.diagnostics ?? []).map((d) => ts.flattenDiagnosticMessageText(d.messageText, ' ')) };
}

describe("the dataset modules' shipped declarations", () => {
  it.each(readdirSync(folder).filter((file) => file.endsWith('.ts')))('%s needs no Node types (a TypeScript user without @types/node)', (file) => {
    const { text, problems } = declarationOf(file);
    // Every export annotated, so what is checked here is what is shipped.
    expect(problems).toEqual([]);
    expect(text.split('\n').filter((line) => /\bBuffer\b|\bNodeJS\b|['"]node:/.test(line))).toEqual([]);
  });
});
