import net from "node:net";

/** A loopback TCP proxy the test can cut (every connection dropped, new ones refused) and restore. */
export interface TcpProxy {
  port: number;
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

/**
 * `latencyMs` holds every chunk from the database that long before the client sees it (order kept):
 * what a busy CI machine or a cross-AZ hop does to notifications, without depending on either.
 */
export async function startTcpProxy(
  targetHost: string,
  targetPort: number,
  latencyMs = 0,
): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  let open = true;
  const server = net.createServer((client) => {
    if (!open) {
      client.destroy();
      return;
    }
    const upstream = net.connect(targetPort, targetHost);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
      socket.on("error", () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    if (latencyMs === 0) upstream.pipe(client);
    else
      upstream.on("data", (chunk: Buffer) =>
        setTimeout(() => {
          if (!client.destroyed) client.write(chunk);
        }, latencyMs),
      );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("proxy has no port");
  return {
    port: address.port,
    cut() {
      open = false;
      for (const socket of sockets) socket.destroy();
    },
    restore() {
      open = true;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
