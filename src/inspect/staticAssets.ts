import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HtmlAssets } from '../report/html/renderHtml.ts';

export interface Asset {
  body: Buffer;
  contentType: string;
}

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/** Where the page lives: shipped with the package, so the inspector needs no CDN and no network. */
export const publicDir = fileURLToPath(new URL('./public/', import.meta.url));

/**
 * Reads the page's files once into memory, keyed by URL path (`/`, `/app.js`). Serving only from this
 * fixed table means no request path ever reaches the file system.
 */
export async function loadAssets(dir = publicDir): Promise<Map<string, Asset>> {
  const assets = new Map<string, Asset>();
  for (const name of await readdir(dir)) {
    const contentType = contentTypes[extname(name)];
    if (contentType === undefined) continue;
    assets.set(`/${name}`, { body: await readFile(join(dir, name)), contentType });
  }
  // The charting library comes from its npm package (pinned in package.json), not from a copy in public/.
  for (const [name, contentType] of [[UPLOT_JS, contentTypes['.js']], [UPLOT_CSS, contentTypes['.css']]] as const) {
    assets.set(`/${name}`, { body: await readFile(join(uplotDist, name)), contentType: contentType ?? 'text/plain' });
  }
  const index = assets.get('/index.html');
  if (index) assets.set('/', index);
  return assets;
}

const UPLOT_JS = 'uPlot.iife.min.js';
const UPLOT_CSS = 'uPlot.min.css';
/** Where npm put uPlot's build: served to the inspector page and inlined into HTML reports. */
const uplotDist = dirname(createRequire(import.meta.url).resolve(`uplot/dist/${UPLOT_JS}`));

/** What an HTML report inlines: uPlot and the inspector's own charts module, so both pages draw the same charts. */
export async function loadChartAssets(dir = publicDir): Promise<HtmlAssets> {
  const [uplotJs, uplotCss, chartsJs] = await Promise.all([
    readFile(join(uplotDist, UPLOT_JS), 'utf8'),
    readFile(join(uplotDist, UPLOT_CSS), 'utf8'),
    readFile(join(dir, 'charts.js'), 'utf8'),
  ]);
  return { uplotJs, uplotCss, chartsJs };
}
