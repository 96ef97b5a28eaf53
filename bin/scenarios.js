#!/usr/bin/env node
// Runs the CLI built into dist/ on plain Node: no TypeScript loader at start-up (tsx is loaded later only
// for a .ts skill). In a source checkout whose dist/ is missing or older than src/, runs src/ through tsx
// instead, so an edit is never run stale; `npm run build` makes the start fast again (README, Development).
import process from 'node:process';
import { pathToFileURL } from 'node:url';
import { builtCliEntry, packageRoot } from './builtCli.js';

const built = builtCliEntry(packageRoot);
if (built) {
  await import(pathToFileURL(built).href);
} else {
  if (process.env.SCENARIOS_DEBUG) process.stderr.write('scenarios: running src/ through tsx (dist/ is missing or older than src/; npm run build)\n');
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/index.ts');
}
