import { request, type ClientRequest } from 'node:http';

export interface SseMessage {
  event: string;
  id?: string;
  data: unknown;
}

export interface SseClient {
  readonly messages: SseMessage[];
  /** Resolves with the first message (already received or yet to come) after index `from` that matches. */
  next(match: (m: SseMessage) => boolean, options?: { from?: number; timeoutMs?: number }): Promise<SseMessage>;
  /** Cuts the TCP connection, as a network drop would. */
  destroy(): void;
  readonly closed: Promise<void>;
}

/** A minimal EventSource for tests: parses `event:`/`id:`/`data:` blocks from a streaming GET. */
export function openSse(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
  return new Promise((resolve, reject) => {
    const messages: SseMessage[] = [];
    const waiters = new Set<() => void>();
    let closedResolve: () => void = () => undefined;
    const closed = new Promise<void>((r) => (closedResolve = r));
    const req: ClientRequest = request(url, { headers: { Accept: 'text/event-stream', ...headers } }, (res) => {
      if (res.statusCode !== 200) {
        reject(new Error(`HTTP ${res.statusCode}`));
        return;
      }
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const message: { event: string; id?: string; data: string[] } = { event: 'message', data: [] };
          for (const line of block.split('\n')) {
            if (line.startsWith('event: ')) message.event = line.slice(7);
            else if (line.startsWith('id: ')) message.id = line.slice(4);
            else if (line.startsWith('data: ')) message.data.push(line.slice(6));
          }
          if (message.data.length === 0) continue;
          messages.push({ event: message.event, ...(message.id !== undefined ? { id: message.id } : {}), data: JSON.parse(message.data.join('\n')) as unknown });
          for (const w of waiters) w();
        }
      });
      res.on('close', () => closedResolve());
      resolve({
        messages,
        closed,
        destroy: () => req.destroy(),
        next(match, { from = 0, timeoutMs = 10_000 } = {}) {
          return new Promise((ok, fail) => {
            const check = () => {
              const found = messages.slice(from).find(match);
              if (!found) return;
              waiters.delete(check);
              clearTimeout(timer);
              ok(found);
            };
            const timer = setTimeout(() => {
              waiters.delete(check);
              fail(new Error(`no matching server-sent event within ${timeoutMs} ms (got ${messages.length})`));
            }, timeoutMs);
            waiters.add(check);
            check();
          });
        },
      });
    });
    req.on('error', reject);
    req.end();
  });
}
