import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * Records which modules a node process loads: `nodeArgs` go before the script (`node ...nodeArgs bin/scenarios.js
 * …`) and register a loader hook that appends the URL of every module loaded through the ES module loader
 * (every ES module, every package entry, node: builtins) to a file in `dir`; `loaded()` reads them back.
 * CommonJS files that a CommonJS package requires internally are not seen, but its entry is.
 */
export function moduleLoadRecorder(dir: string, name = 'loads'): { nodeArgs: string[]; loaded(): string[] } {
  const log = join(dir, `${name}.txt`);
  const hook = join(dir, `${name}-hook.mjs`);
  writeFileSync(log, '');
  writeFileSync(
    hook,
    `import { register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent(\`
import { appendFileSync } from 'node:fs';
let log;
export function initialize(data) { log = data.log; }
export async function load(url, context, nextLoad) {
  appendFileSync(log, url + '\\\\n');
  return nextLoad(url, context);
}\`), { data: { log: ${JSON.stringify(log)} } });
`,
  );
  return {
    nodeArgs: ['--import', pathToFileURL(hook).href],
    loaded: () => readFileSync(log, 'utf8').split('\n').filter(Boolean),
  };
}
