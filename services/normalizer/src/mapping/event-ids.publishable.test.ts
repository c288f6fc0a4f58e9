import { fixtureDelivery, IG_ACCOUNT_ID, IG_USER_ID, webhookBytes } from "@igdm/testkit";
import { expect, it } from "vitest";
import { eventId } from "./event-ids.js";
import { normalizeWebhook } from "./normalize-webhook.js";

// Event ids are Nats-Msg-Ids, and NATS refuses a header value with \r or \n: such an event was never published.

it("hashes the tail of an id that contains a line break, stably and distinctly", () => {
  const id = eventId("postback", ["1", "2", "line one\nline two"]);
  expect(id).toMatch(/^postback:sha256:[0-9a-f]{64}$/);
  expect(eventId("postback", ["1", "2", "line one\nline two"])).toBe(id);
  expect(eventId("postback", ["1", "2", "line one\r\nline two"])).not.toBe(id);
  expect(eventId("message", ["mid\r"])).toMatch(/^message:sha256:/);
});

it("gives a postback whose payload spans lines a publishable id", () => {
  const body = {
    object: "instagram",
    entry: [
      {
        id: IG_ACCOUNT_ID,
        time: 1,
        messaging: [
          { sender: { id: IG_USER_ID }, recipient: { id: IG_ACCOUNT_ID }, timestamp: 2, postback: { payload: "A\nB" } },
        ],
      },
    ],
  };
  const result = normalizeWebhook({ body: webhookBytes(body), ...fixtureDelivery });
  expect(result.ok && result.events.map((e) => [e.kind, e.id.replace(/[0-9a-f]{64}$/, "<hash>")])).toEqual([
    ["postback", "postback:sha256:<hash>"],
  ]);
  expect(result.ok && result.events[0]).toMatchObject({ payload: "A\nB" });
});
