import net from 'node:net';

/** A TCP forwarder to the real server that can be cut and restored: a server outage without touching the server. */
export function outageProxy(target: URL): { url: (port: number) => string; start: (port?: number) => Promise<number>; cut: () => Promise<void>; backendPorts: () => number[] } {
  const sockets = new Set<net.Socket>();
  const outbounds = new Set<net.Socket>();
  let server: net.Server | undefined;
  return {
    url: (port) => Object.assign(new URL(target.toString()), { host: `127.0.0.1:${port}` }).toString(),
    start: (port = 0) =>
      new Promise((resolve) => {
        server = net.createServer((inbound) => {
          const outbound = net.connect(Number(target.port || 5432), target.hostname);
          outbounds.add(outbound);
          outbound.on('close', () => outbounds.delete(outbound));
          const drop = (): void => {
            inbound.destroy();
            outbound.destroy();
          };
          for (const s of [inbound, outbound]) {
            sockets.add(s);
            s.on('error', drop).on('close', drop);
          }
          inbound.pipe(outbound).pipe(inbound);
        });
        server.listen(port, '127.0.0.1', () => resolve((server?.address() as net.AddressInfo).port));
      }),
    backendPorts: () => [...outbounds].flatMap((s) => (s.localPort === undefined ? [] : [s.localPort])),
    cut: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        sockets.clear();
        if (server) server.close(() => resolve());
        else resolve();
      }),
  };
}
