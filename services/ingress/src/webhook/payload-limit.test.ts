import { createLogger } from "@igdm/runtime";
import { connectTestNats, type NatsServerHandle, startNatsServer } from "@igdm/testkit";
import { afterAll, describe, expect, it } from "vitest";
import { largestStorableBody, warnIfBodyLimitExceedsPayload } from "./payload-limit.js";

const servers: NatsServerHandle[] = [];
afterAll(async () => {
  for (const s of servers) await s.dispose();
});

/** Whether connecting to a server with this max_payload makes ingress warn about a body limit. */
async function warns(maxPayload: number, bodyLimit: number): Promise<{ warned: boolean; lines: string[] }> {
  const server = await startNatsServer({
    config: (store) => `max_payload: ${maxPayload}\njetstream { store_dir: "${store}" }\n`,
  });
  servers.push(server);
  const lines: string[] = [];
  const log = createLogger({ service: "ingress", level: "info", destination: { write: (l: string) => lines.push(l) } });
  const nc = await connectTestNats(server.url);
  try {
    return { warned: warnIfBodyLimitExceedsPayload(nc, bodyLimit, log), lines };
  } finally {
    await nc.close();
  }
}

describe("BODY_LIMIT_BYTES against the server's max_payload", () => {
  it("leaves room for base64 and the envelope", () => {
    expect(largestStorableBody(8 * 1024 * 1024)).toBeGreaterThan(6_000_000);
    expect(largestStorableBody(8 * 1024 * 1024)).toBeLessThan((8 * 1024 * 1024 * 3) / 4);
    expect(largestStorableBody(1000)).toBe(0);
  });

  it("warns, naming both limits, when NATS's 1 MB default cannot hold the default 4 MiB body limit", async () => {
    const { warned, lines } = await warns(1024 * 1024, 4 * 1024 * 1024);
    expect(warned).toBe(true);
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      level: 40,
      bodyLimitBytes: 4 * 1024 * 1024,
      maxPayload: 1024 * 1024,
    });
  });

  it("stays quiet with the shipped config's 8 MB", async () => {
    const { warned, lines } = await warns(8 * 1024 * 1024, 4 * 1024 * 1024);
    expect(warned).toBe(false);
    expect(lines).toEqual([]);
  });
});
