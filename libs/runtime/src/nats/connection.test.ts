import { connectTestNats, testNatsUrl, uniqueNamespace } from "@igdm/testkit";
import { afterAll, describe, expect, it } from "vitest";
import { createLogger } from "../logger.js";
import { connectNats, type NatsConnection } from "./connection.js";

const log = createLogger({ service: "test", level: "silent" });
const subject = `${uniqueNamespace()}.igdm.rpc.test.echo-reply-subject`;
const open: NatsConnection[] = [];
afterAll(async () => {
  for (const nc of open) await nc.close();
});

/** The reply subject a request from `nc` carries, as a responder sees it. */
async function replySubjectOf(nc: NatsConnection): Promise<string> {
  const m = await nc.request(subject, "", { timeout: 2000 });
  return m.string();
}

describe("connectNats", () => {
  it("gives each service its own inbox prefix, so its user may listen to its own replies only", async () => {
    const responder = await connectTestNats();
    open.push(responder);
    responder.subscribe(subject, {
      callback: (_err, m) => {
        m.respond(m.reply ?? "");
      },
    });
    await responder.flush();

    const service = await connectNats({ url: testNatsUrl(), name: "token-refresher" }, log);
    open.push(service);
    expect(await replySubjectOf(service)).toMatch(/^_INBOX_token-refresher\.[^.]+\.[^.]+$/);

    const custom = await connectNats({ url: testNatsUrl(), name: "x", inboxPrefix: "_INBOX_custom" }, log);
    open.push(custom);
    expect(await replySubjectOf(custom)).toMatch(/^_INBOX_custom\./);
  });

  it("refuses a name that is not one subject token", async () => {
    await expect(connectNats({ url: testNatsUrl(), name: "a.b" }, log)).rejects.toThrow(/cannot name an inbox/);
    await expect(connectNats({ url: testNatsUrl(), name: "my service" }, log)).rejects.toThrow(/cannot name an inbox/);
  });
});
