import type { IncomingMessage } from 'node:http';

/** Hosts the server answers to. Anything else is a DNS-rebinding attempt: another site's name pointed at 127.0.0.1. */
const localHostnames = new Set(['127.0.0.1', 'localhost', '[::1]']);

export function isLocalHost(req: IncomingMessage): boolean {
  const host = req.headers.host;
  if (host === undefined) return false;
  const hostname = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : (host.split(':')[0] ?? '');
  return localHostnames.has(hostname.toLowerCase());
}

/**
 * Control requests must come from the inspector page itself. Browsers send Origin on cross-site POSTs,
 * and a JSON content type cannot be sent cross-site without a CORS preflight, which this server never
 * grants; together they stop other web pages from pausing or cancelling a run.
 */
export function isSameOriginJson(req: IncomingMessage): { ok: true } | { ok: false; status: number; message: string } {
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== `http://${req.headers.host ?? ''}`) return { ok: false, status: 403, message: 'cross-origin request refused' };
  const type = req.headers['content-type'] ?? '';
  if (!type.toLowerCase().startsWith('application/json')) return { ok: false, status: 415, message: 'send Content-Type: application/json' };
  return { ok: true };
}

/** Reads a small JSON body (`{}` when empty); throws on invalid JSON or a body over `limit` bytes. */
export async function readJsonBody(req: IncomingMessage, limit = 4096): Promise<unknown> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new Error(`request body over ${limit} bytes`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  return text === '' ? {} : (JSON.parse(text) as unknown);
}
