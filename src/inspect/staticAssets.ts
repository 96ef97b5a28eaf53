import { readdir, readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

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
  const index = assets.get('/index.html');
  if (index) assets.set('/', index);
  return assets;
}
