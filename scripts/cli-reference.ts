/** Rewrites the CLI reference between the markers in README.md: `npm run docs:cli`. */
import { readFileSync, writeFileSync } from 'node:fs';
import { renderCliReference } from '../src/cli/cliReference.ts';

const start = '<!-- cli-reference:start -->';
const end = '<!-- cli-reference:end -->';
const readme = readFileSync('README.md', 'utf8');
const from = readme.indexOf(start);
const to = readme.indexOf(end);
if (from < 0 || to < from) throw new Error('README.md lacks the cli-reference markers');
writeFileSync('README.md', `${readme.slice(0, from + start.length)}\n${renderCliReference()}\n${readme.slice(to)}`);
