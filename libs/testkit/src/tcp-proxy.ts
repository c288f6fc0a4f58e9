import { createServer, type Server, Socket } from "node:net";
import { freePort } from "./ports.js";

export interface TcpProxy {
  readonly port: number;
  /** Drops every open connection and refuses new ones, as a database that went away. */
  cut(): Promise<void>;
  /** Accepts connections again on the same port. */
  restore(): Promise<void>;
  close(): Promise<void>;
}

/** A TCP proxy on 127.0.0.1 in front of `target`, for cutting a service's connection to a dependency. */
export async function startTcpProxy(target: { host?: string; port: number }): Promise<TcpProxy> {
  const port = await freePort();
  const sockets = new Set<Socket>();
  let server: Server | undefined;

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const srv = createServer((client) => {
        const upstream = new Socket();
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on("close", () => sockets.delete(s));
          s.on("error", () => {
            client.destroy();
            upstream.destroy();
          });
        }
        upstream.connect(target.port, target.host ?? "127.0.0.1", () => {
          client.pipe(upstream).pipe(client);
        });
      });
      srv.once("error", reject);
      srv.listen(port, "127.0.0.1", () => resolve());
      server = srv;
    });

  const stop = async () => {
    const srv = server;
    server = undefined;
    for (const s of sockets) s.destroy();
    sockets.clear();
    if (srv) await new Promise<void>((r) => srv.close(() => r()));
  };

  await listen();
  return { port, cut: stop, restore: listen, close: stop };
}
