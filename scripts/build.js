// `npm run build` (also run by `npm install` and `npm ci` through `prepare`, and by `npm test`): compiles src/
// into dist/ for plain Node, which the CLI (bin/scenarios.js) and the package's exports run from.
//
// Two things make it safe while CLI processes are starting from dist/ (tests spawn many at once):
// - it builds into a folder of its own and swaps it in by renames, so no process ever reads a half-written file;
// - dist/.built records when the build *started*, and bin/scenarios.js runs src/ through tsx instead of dist/
//   when any file under src/ changed after that, so an edit made during or after a build is never run stale.
import { spawnSync } from 'node:child_process';
import process from 'node:process';
import { cpSync, existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const dist = path.join(root, 'dist');
const building = path.join(root, `dist.building-${process.pid}`);
const replaced = path.join(root, `dist.replaced-${process.pid}`);

// Before tsc reads a single source file: a file saved after this instant makes the build stale.
const startedAt = Date.now();
rmSync(building, { recursive: true, force: true });
try {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const compiled = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json'), '--outDir', building], { cwd: root, stdio: 'inherit' });
  if (compiled.status === 0) {
    // The inspector page is served from beside the compiled server module (src/inspect/staticAssets.ts).
    cpSync(path.join(root, 'src', 'inspect', 'public'), path.join(building, 'inspect', 'public'), { recursive: true });
    writeFileSync(path.join(building, '.built'), `${JSON.stringify({ startedAt, startedAtIso: new Date(startedAt).toISOString() })}\n`);
    if (existsSync(dist)) renameSync(dist, replaced);
    renameSync(building, dist);
  } else {
    // dist/ stays as it was (and stale, if src/ changed): the CLI keeps running src/ through tsx.
    process.exitCode = compiled.status ?? 1;
  }
} finally {
  rmSync(building, { recursive: true, force: true });
  rmSync(replaced, { recursive: true, force: true });
}
