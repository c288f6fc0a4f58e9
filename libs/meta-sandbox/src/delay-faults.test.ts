import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { SANDBOX_SHOP_PAGE_ID } from "./seed.js";
import { type MetaSandbox, startMetaSandbox } from "./server.js";

// Holds far longer than any test: an answer that arrives anyway proves the hold was released for another reason.
const FOREVER_MS = 600_000;
const MESSAGES = { method: "POST", path: /\/messages$/ };

let sandbox: MetaSandbox;
let pageToken: string;

beforeAll(async () => {
  sandbox = await startMetaSandbox();
});
afterAll(async () => {
  await sandbox.close();
});
beforeEach(() => {
  sandbox.state.reset();
  pageToken = tokenFor(sandbox);
});

function tokenFor(target: MetaSandbox): string {
  const user = target.state.issueToken("user_long", { ownerId: target.state.users[0]!.id, scopes: [] });
  return target.state.pageTokenFor(SANDBOX_SHOP_PAGE_ID, user).token;
}

function sendMessage(text: string, opts: { signal?: AbortSignal; target?: MetaSandbox; token?: string } = {}) {
  const target = opts.target ?? sandbox;
  return fetch(`${target.urls.graph}/v21.0/${SANDBOX_SHOP_PAGE_ID}/messages?access_token=${opts.token ?? pageToken}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ recipient: { id: "igsid-1" }, message: { text } }),
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
}

/** A promise's outcome without awaiting it, so a test can check that an answer has not come yet. */
function track<T>(promise: Promise<T>) {
  const state = { settled: false, promise };
  promise.then(
    () => (state.settled = true),
    () => (state.settled = true),
  );
  return state;
}

async function until(probe: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400 && !probe(); i++) await new Promise((r) => setTimeout(r, 25));
  if (!probe()) throw new Error(`never happened: ${what}`);
}

const sentTexts = (target = sandbox) => target.state.sentMessages.map((m) => m.text);

describe("delayNext, deliver (Meta sent the message, its answer came too late)", () => {
  it("records the message while the answer is still held, and a client that gives up sees no answer", async () => {
    sandbox.state.delayNext(MESSAGES, { ms: FOREVER_MS });
    const controller = new AbortController();
    const call = track(sendMessage("late", { signal: controller.signal }));
    await until(() => sentTexts().includes("late"), "the held message to be recorded");
    expect(call.settled).toBe(false);
    expect(sandbox.state.heldAnswers).toBe(1);
    controller.abort();
    await expect(call.promise).rejects.toThrow(/abort/i);
    expect(sandbox.state.sentMessages).toMatchObject([{ text: "late", accepted: true }]);
    // Nobody waits for the answer any more: the hold ends instead of lingering for its full delay.
    await until(() => sandbox.state.heldAnswers === 0, "the hold to end with its client");
  });

  it("answers normally once the delay is over, with the message id it recorded", async () => {
    sandbox.state.delayNext(MESSAGES, { ms: 50 });
    const res = await sendMessage("slow");
    expect(res.status).toBe(200);
    const body = (await res.json()) as { message_id: string };
    expect(body.message_id).toBe(sandbox.state.sentMessages[0]!.message_id);
    expect(sandbox.state.requests.at(-1)).toMatchObject({ status: 200 });
  });

  it("keeps serving other requests while an answer is held", async () => {
    sandbox.state.delayNext(MESSAGES, { ms: FOREVER_MS });
    const controller = new AbortController();
    const held = track(sendMessage("held", { signal: controller.signal }));
    await until(() => sentTexts().includes("held"), "the held message to be recorded");
    const other = await sendMessage("prompt");
    expect(other.status).toBe(200);
    expect(held.settled).toBe(false);
    controller.abort();
    await expect(held.promise).rejects.toThrow();
  });

  it("is consumed like other faults: `times` requests are held, then answers are prompt again", async () => {
    sandbox.state.delayNext(MESSAGES, { ms: FOREVER_MS, times: 2 });
    expect(sandbox.state.pendingFaults).toMatchObject([
      { kind: "delay", delay: { ms: FOREVER_MS, deliver: true }, remaining: 2 },
    ]);
    const controller = new AbortController();
    const first = track(sendMessage("one", { signal: controller.signal }));
    const second = track(sendMessage("two", { signal: controller.signal }));
    await until(() => sentTexts().length === 2, "both held messages to be recorded");
    expect(sandbox.state.pendingFaults).toEqual([]);
    expect((await sendMessage("three")).status).toBe(200);
    expect([first.settled, second.settled]).toEqual([false, false]);
    controller.abort();
    await Promise.allSettled([first.promise, second.promise]);
  });
});

describe("delayNext, deliver: false (the request never reached Meta)", () => {
  it("records nothing and never answers, then drops the connection", async () => {
    sandbox.state.delayNext(MESSAGES, { ms: 50, deliver: false });
    await expect(sendMessage("lost")).rejects.toThrow(/fetch failed/);
    expect(sandbox.state.sentMessages).toEqual([]);
    const logged = sandbox.state.requests.at(-1)!;
    expect(logged).toMatchObject({ method: "POST", path: `/graph/v21.0/${SANDBOX_SHOP_PAGE_ID}/messages` });
    expect(logged.status).toBeUndefined();
    expect(sandbox.state.pendingFaults).toEqual([]);
    expect((await sendMessage("retried")).status).toBe(200);
    expect(sentTexts()).toEqual(["retried"]);
  });

  it("holds the request without processing it while the client waits", async () => {
    sandbox.state.delayNext(MESSAGES, { ms: FOREVER_MS, deliver: false });
    const controller = new AbortController();
    const call = track(sendMessage("stalled", { signal: controller.signal }));
    await until(() => sandbox.state.heldAnswers === 1, "the stalled request to be held");
    expect((await sendMessage("other")).status).toBe(200);
    expect(call.settled).toBe(false);
    expect(sentTexts()).toEqual(["other"]);
    controller.abort();
    await expect(call.promise).rejects.toThrow(/abort/i);
    await until(() => sandbox.state.heldAnswers === 0, "the hold to end with its client");
  });
});

describe("delayNext bookkeeping", () => {
  it("only hits the method and path it names, and reset() forgets queued delays", async () => {
    sandbox.state.delayNext({ method: "GET", path: /\/messages$/ }, { ms: FOREVER_MS });
    expect((await sendMessage("post")).status).toBe(200);
    expect(sandbox.state.pendingFaults).toHaveLength(1);
    sandbox.state.reset();
    expect(sandbox.state.pendingFaults).toEqual([]);
  });

  it("reset() drops answers being held: their clients see the connection end", async () => {
    sandbox.state.delayNext(MESSAGES, { ms: FOREVER_MS });
    const call = sendMessage("held");
    await until(() => sandbox.state.heldAnswers === 1, "the answer to be held");
    sandbox.state.reset();
    expect(sandbox.state.heldAnswers).toBe(0);
    await expect(call).rejects.toThrow(/fetch failed/);
  });

  it("clearFaults() forgets queued delays, so the next request is answered at once", async () => {
    sandbox.state.delayNext(MESSAGES, { ms: FOREVER_MS, deliver: false });
    sandbox.state.clearFaults();
    expect((await sendMessage("clear")).status).toBe(200);
  });

  it("applies failNext and delayNext faults in the order they were queued", async () => {
    sandbox.state.failNext(MESSAGES, { status: 500, code: 2 });
    sandbox.state.delayNext(MESSAGES, { ms: 20 });
    expect(sandbox.state.pendingFaults.map((f) => f.kind)).toEqual(["error", "delay"]);
    expect((await sendMessage("a")).status).toBe(500);
    expect((await sendMessage("b")).status).toBe(200);
    expect(sentTexts()).toEqual(["b"]);
  });

  it("rejects a negative or fractional delay and a non-positive times", () => {
    expect(() => sandbox.state.delayNext(MESSAGES, { ms: -1 })).toThrow(/ms/);
    expect(() => sandbox.state.delayNext(MESSAGES, { ms: 1.5 })).toThrow(/ms/);
    expect(() => sandbox.state.delayNext(MESSAGES, { ms: 10, times: 0 })).toThrow(/times/);
    expect(sandbox.state.pendingFaults).toEqual([]);
  });
});

describe("closing with held answers", () => {
  it("close() returns at once, dropping held answers of both kinds", async () => {
    const own = await startMetaSandbox();
    const token = tokenFor(own);
    own.state.delayNext(MESSAGES, { ms: FOREVER_MS });
    own.state.delayNext(MESSAGES, { ms: FOREVER_MS, deliver: false });
    const late = track(sendMessage("late", { target: own, token }));
    const lost = track(sendMessage("lost", { target: own, token }));
    await until(() => own.state.heldAnswers === 2, "both answers to be held");
    await own.close();
    expect(own.state.heldAnswers).toBe(0);
    await expect(late.promise).rejects.toThrow(/fetch failed/);
    await expect(lost.promise).rejects.toThrow(/fetch failed/);
    expect(sentTexts(own)).toEqual(["late"]);
  });
});
