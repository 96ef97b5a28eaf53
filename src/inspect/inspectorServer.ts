import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { ScenarioError, UsageError, toError } from '../errors.ts';
import { diagramMachines, exportDiagram, isDiagramMachineName, type DiagramMachineName } from './diagram.ts';
import { isLocalHost, isSameOriginJson, readJsonBody } from './httpGuards.ts';
import type { InspectorSource } from './InspectorSource.ts';
import { defaultInspectorPort } from './inspectorPort.ts';
import { loadAssets } from './staticAssets.ts';

export interface InspectorServerOptions {
  /** TCP port on 127.0.0.1 (default 4319); 0 picks a free one. */
  port?: number;
  /** Comment lines that keep idle event streams open through proxies (default every 15 s). */
  heartbeatMs?: number;
  /** How long a page waits before reconnecting a dropped stream (default 1000 ms). */
  retryMs?: number;
}

export interface InspectorServer {
  /** `http://127.0.0.1:<port>/` */
  readonly url: string;
  readonly port: number;
  /** Ends every page's stream, stops listening and detaches from the run. */
  close(): Promise<void>;
}

export { defaultInspectorPort };

const ControlBodySchema = z.strictObject({ scenario: z.string().min(1).optional() });

const securityHeaders = {
  // Everything comes from this server; the statecharts are inline SVG, styled by the page's stylesheet.
  'Content-Security-Policy': "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

/**
 * Serves the inspector page for a source on 127.0.0.1 only: static files from `public/`, statecharts as
 * SVG, the state as JSON (`/api/state`), live updates as server-sent events (`/api/events`: a full
 * `snapshot` on every connect, so a reconnecting page catches up, then `delta`s), and
 * `POST /api/{pause,resume,cancel}` with an optional `{ "scenario": name }` body.
 */
export async function startInspectorServer(source: InspectorSource, options: InspectorServerOptions = {}): Promise<InspectorServer> {
  const assets = await loadAssets();
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const retryMs = options.retryMs ?? 1000;
  const diagrams = new Map<DiagramMachineName, Promise<string>>();
  const streams = new Set<ServerResponse>();

  const svgOf = (name: DiagramMachineName) => {
    let svg = diagrams.get(name);
    if (!svg) {
      svg = exportDiagram(diagramMachines[name], 'svg');
      diagrams.set(name, svg);
    }
    return svg;
  };

  const openStream = (req: IncomingMessage, res: ServerResponse) => {
    req.socket.setNoDelay(true);
    res.writeHead(200, { ...securityHeaders, 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store, no-transform', Connection: 'keep-alive' });
    const send = (event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    res.write(`retry: ${retryMs}\n\n`);
    send('snapshot', source.view());
    const unsubscribe = source.subscribe((delta) => send('delta', delta));
    const heartbeat = setInterval(() => res.write(': ping\n\n'), heartbeatMs);
    heartbeat.unref();
    streams.add(res);
    res.on('close', () => {
      clearInterval(heartbeat);
      unsubscribe();
      streams.delete(res);
    });
  };

  const control = async (action: 'pause' | 'resume' | 'cancel', req: IncomingMessage, res: ServerResponse) => {
    const guard = isSameOriginJson(req);
    if (!guard.ok) return sendJson(res, guard.status, { error: guard.message });
    let body: unknown;
    try {
      body = await readJsonBody(req);
    } catch (error) {
      return sendJson(res, 400, { error: `invalid body: ${toError(error).message}` });
    }
    const parsed = ControlBodySchema.safeParse(body);
    if (!parsed.success) return sendJson(res, 400, { error: 'body must be {} or { "scenario": "<name>" }' });
    const { scenario } = parsed.data;
    const controls = source.controls;
    if (!controls) return sendJson(res, 409, { error: 'this orchestration is stored, not running: nothing to control' });
    if (scenario !== undefined && !controls.scenarios.includes(scenario)) {
      return sendJson(res, 400, { error: `unknown scenario "${scenario}" (scenarios: ${controls.scenarios.join(', ')})` });
    }
    if (action === 'cancel' && scenario !== undefined) return sendJson(res, 400, { error: 'cancel applies to the whole orchestration: send {}' });
    if (controls.finished()) return sendJson(res, 409, { error: 'the orchestration has finished' });
    try {
      if (action === 'pause') controls.pause(scenario);
      else if (action === 'resume') controls.resume(scenario);
      else controls.cancel();
    } catch (error) {
      // The run refused the request as it stands (e.g. a pause before start): a conflict, not a server fault.
      if (error instanceof UsageError) return sendJson(res, 409, { error: error.message });
      throw error;
    }
    return sendJson(res, 202, { ok: true, action, ...(scenario !== undefined ? { scenario } : {}) });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (!isLocalHost(req)) return sendText(res, 403, 'this inspector answers only to 127.0.0.1 and localhost');
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    if (req.method === 'POST') {
      const action = /^\/api\/(pause|resume|cancel)$/.exec(path)?.[1];
      if (action === 'pause' || action === 'resume' || action === 'cancel') return control(action, req, res);
      return sendText(res, 404, 'not found');
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendText(res, 405, 'method not allowed');
    if (path === '/api/events') return openStream(req, res);
    if (path === '/api/state') return sendJson(res, 200, source.view());
    const diagram = /^\/diagrams\/([A-Za-z]+)\.svg$/.exec(path)?.[1];
    if (isDiagramMachineName(diagram)) return send(res, 200, 'image/svg+xml', await svgOf(diagram));
    const asset = assets.get(path);
    if (asset) return send(res, 200, asset.contentType, asset.body);
    return sendText(res, 404, 'not found');
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendText(res, 500, toError(error).message);
      else res.end();
    });
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const requested = options.port ?? defaultInspectorPort;
      reject(
        error.code === 'EADDRINUSE'
          ? new ScenarioError('usage', `cannot serve the inspector: port ${requested} on 127.0.0.1 is already in use`)
          : new ScenarioError('internal', `cannot serve the inspector: ${error.message}`, { cause: error }),
      );
    });
    server.listen(options.port ?? defaultInspectorPort, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });

  let closed: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    close() {
      closed ??= new Promise<void>((resolve) => {
        source.close();
        for (const stream of streams) stream.end();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}

function send(res: ServerResponse, status: number, contentType: string, body: string | Buffer) {
  res.writeHead(status, { ...securityHeaders, 'Content-Type': contentType, 'Cache-Control': 'no-store' });
  res.end(body);
}

function sendText(res: ServerResponse, status: number, text: string) {
  send(res, status, 'text/plain; charset=utf-8', `${text}\n`);
}

function sendJson(res: ServerResponse, status: number, body: unknown) {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(body));
}
