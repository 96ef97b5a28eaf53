import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderCliReference } from '../../src/cli/cliReference.ts';

describe('README CLI reference', () => {
  it('matches the option table the parser is built from (run `npm run docs:cli` to refresh)', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('<!-- cli-reference:start -->') + '<!-- cli-reference:start -->'.length, readme.indexOf('<!-- cli-reference:end -->'));
    expect(section.trim()).toBe(renderCliReference());
  });
});
