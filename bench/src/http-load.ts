import { Agent, request } from "node:http";

/** A keep-alive HTTP client far cheaper per request than fetch, so the load generator steals less CPU. */
export function httpPoster(port: number) {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  return {
    post: (path: string, body: string, headers: Record<string, string>) =>
      new Promise<number>((resolve) => {
        const req = request(
          {
            host: "127.0.0.1",
            port,
            path,
            method: "POST",
            agent,
            headers: { ...headers, "content-length": Buffer.byteLength(body) },
          },
          (res) => {
            res.resume();
            res.on("end", () => resolve(res.statusCode ?? 0));
          },
        );
        req.on("error", () => resolve(0));
        req.end(body);
      }),
    close: () => agent.destroy(),
  };
}

/** Calls `send(i)` for i = 0..total-1 at `ratePerSecond`, without waiting for answers; resolves when all settle. */
export async function atRate(total: number, ratePerSecond: number, send: (i: number) => Promise<void>) {
  const inFlight: Promise<void>[] = [];
  const tickMs = 5;
  const started = performance.now();
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - started) * ratePerSecond) / 1000) + 1);
    for (; sent < due; sent++) inFlight.push(send(sent));
    await new Promise((r) => setTimeout(r, tickMs));
  }
  await Promise.all(inFlight);
  return (performance.now() - started) / 1000;
}
