import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInspector, type StatelyInspectionEvent } from '@statelyai/inspect';
import type { InspectionEvent, Observer } from 'xstate';
import { ScenarioError } from '../errors.ts';
import { isLocalHost } from './httpGuards.ts';
import { RingBuffer } from './RingBuffer.ts';
import { safeJson } from './safeJson.ts';
import { publicDir } from './staticAssets.ts';

/** The Stately inspector UI, which a bridge page embeds (it is not open source, so it needs the internet). */
export const statelyInspectorUrl = 'https://stately.ai/inspect';

export interface StatelyBridge {
  /** The page to open in a browser that can reach stately.ai. */
  readonly url: string;
  readonly port: number;
  /** Pass as `inspect` to createOrchestration. */
  readonly inspect: Observer<InspectionEvent>;
  close(): Promise<void>;
}

/**
 * Connects an orchestration to the Stately inspector. `@statelyai/inspect` converts XState's inspection
 * events; instead of its WebSocket server (which listens on every interface), a small server on
 * 127.0.0.1 streams them to a bridge page by server-sent events, and the page hands them to the embedded
 * Stately UI by postMessage, as `@statelyai/inspect/server`'s own bridge page does. Events are kept
 * (the last 2000) so a page opened late, or reconnecting, gets what it missed.
 */
export async function startStatelyBridge(options: { port?: number } = {}): Promise<StatelyBridge> {
  const page = await readFile(join(publicDir, 'stately', 'index.html'));
  const script = await readFile(join(publicDir, 'stately', 'bridge.js'));
  const history = new RingBuffer<{ seq: number; json: string }>(2000);
  const streams = new Set<ServerResponse>();
  let seq = 0;

  const inspector = createInspector({
    send(event: StatelyInspectionEvent) {
      seq += 1;
      const entry = { seq, json: safeJson(event) };
      history.push(entry);
      for (const res of streams) res.write(`id: ${entry.seq}\nevent: inspection\ndata: ${entry.json}\n\n`);
    },
  });

  const headers = {
    'Content-Security-Policy': `default-src 'self'; style-src 'self' 'unsafe-inline'; frame-src ${statelyInspectorUrl.replace(/\/inspect$/, '')}; object-src 'none'; base-uri 'none'`,
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-store',
  };
  const server = createServer((req, res) => {
    if (!isLocalHost(req)) {
      res.writeHead(403).end();
      return;
    }
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    if (path === '/') res.writeHead(200, { ...headers, 'Content-Type': 'text/html; charset=utf-8' }).end(page);
    else if (path === '/bridge.js') res.writeHead(200, { ...headers, 'Content-Type': 'text/javascript; charset=utf-8' }).end(script);
    else if (path === '/events') {
      res.writeHead(200, { ...headers, 'Content-Type': 'text/event-stream; charset=utf-8', Connection: 'keep-alive' });
      res.write('retry: 1000\n\n');
      // A reconnecting EventSource sends the last id it saw: replay only what it missed.
      const after = Number(req.headers['last-event-id'] ?? 0) || 0;
      for (const entry of history.last()) if (entry.seq > after) res.write(`id: ${entry.seq}\nevent: inspection\ndata: ${entry.json}\n\n`);
      streams.add(res);
      res.on('close', () => streams.delete(res));
    } else res.writeHead(404, headers).end();
  });
  const requested = options.port ?? 4319;
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(new ScenarioError(error.code === 'EADDRINUSE' ? 'usage' : 'internal', `cannot serve the Stately bridge on 127.0.0.1:${requested}: ${error.message}`, { cause: error })),
    );
    server.listen(requested, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });

  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    inspect: inspector.inspect,
    close: () =>
      new Promise<void>((resolve) => {
        inspector.stop();
        for (const res of streams) res.end();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
