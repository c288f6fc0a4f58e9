import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { afterAll, describe, expect, it } from "vitest";
import { connectTestNats } from "./nats.js";
import { type NatsServerHandle, startNatsServer } from "./nats-server.js";
import { canConnect } from "./ports.js";

let server: NatsServerHandle | undefined;
let configured: NatsServerHandle | undefined;
afterAll(async () => {
  await server?.dispose();
  await configured?.dispose();
});

describe("startNatsServer", () => {
  it("runs a private JetStream server that keeps its store across restart and kill", async () => {
    server = await startNatsServer();
    const nc = await connectTestNats(server.url);
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: "KEEP", subjects: ["keep.>"] });
    await jetstream(nc).publish("keep.one", "1");
    await nc.close();

    await server.restart();
    await server.kill();
    expect(await canConnect("127.0.0.1", server.port, 200)).toBe(false);
    await server.restart();

    const again = await connectTestNats(server.url);
    const info = await (await jetstreamManager(again)).streams.info("KEEP");
    expect(info.state.messages).toBe(1);
    await again.close();
  });

  it("runs a configuration file with variables from its environment, in its private store", async () => {
    configured = await startNatsServer({
      config: (storeDir) => `jetstream { store_dir: "${storeDir}" }\nauthorization { user: "u", password: $TEST_PW }\n`,
      env: { TEST_PW: "secret1" },
    });
    await expect(connect({ servers: configured.url, user: "u", pass: "wrong" })).rejects.toThrow(/Authorization/i);
    const nc = await connect({ servers: configured.url, user: "u", pass: "secret1" });
    const info = await (await jetstreamManager(nc)).streams.add({ name: "CONF", subjects: ["conf.>"] });
    expect(info.config.name).toBe("CONF");
    await nc.close();
    expect(configured.log()).toContain(configured.storeDir);
  });

  it("fails with the server's own words when it cannot start", async () => {
    await expect(startNatsServer({ args: ["--no-such-flag"] })).rejects.toThrow(/nats-server exited/);
  });
});
