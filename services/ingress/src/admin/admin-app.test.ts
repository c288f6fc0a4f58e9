import { ManualSendReply, ManualSendRequest, SendStatusReply, SendStatusRequest } from "@igdm/contracts";
import { parseEnv } from "@igdm/runtime";
import { describe, expect, it } from "vitest";
import { IngressEnv } from "../env.js";
import { ADMIN_TOKEN } from "../testing/ingress-harness.js";
import { useIngressWithStandIns } from "../testing/use-stand-ins.js";

// The responder's and the persister's sides are played by real NATS responders on the test's namespace.
const t = useIngressWithStandIns({ admin: true });
const { seen } = t;

const responder = (answer: ManualSendReply) =>
  t.stand(t.subject("responder", "send"), ManualSendRequest, ManualSendReply, answer);

const persister = (answer: SendStatusReply) =>
  t.stand(t.subject("persister", "send-status"), SendStatusRequest, SendStatusReply, answer);

const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };

const send = (pageId: string, body: unknown, headers: Record<string, string> = auth) =>
  t.admin.inject({
    method: "POST",
    url: `/send/${pageId}`,
    headers: { "content-type": "application/json", ...headers },
    payload: typeof body === "string" ? body : JSON.stringify(body),
  });

const status = (commandId: string, headers: Record<string, string> = auth) =>
  t.admin.inject({ method: "GET", url: `/send/${encodeURIComponent(commandId)}`, headers });

describe("admin authentication", () => {
  it("answers 401 with WWW-Authenticate for a missing, wrong, prefixed or extended token, and relays nothing", async () => {
    await responder({ ok: true, commandId: "cmd-1" });
    const attempts: Record<string, string>[] = [
      {},
      { authorization: "Bearer wrong-token-wrong-token-wrong" },
      { authorization: `Bearer ${ADMIN_TOKEN.slice(0, -1)}` },
      { authorization: `Bearer ${ADMIN_TOKEN.slice(0, 8)}` },
      { authorization: `Bearer ${ADMIN_TOKEN}x` },
      { authorization: `Basic ${Buffer.from(`admin:${ADMIN_TOKEN}`).toString("base64")}` },
      { authorization: ADMIN_TOKEN },
      { authorization: "Bearer " },
    ];
    for (const headers of attempts) {
      const res = await send("1789", { recipient_id: "42", text: "hi" }, headers);
      expect(res.statusCode, JSON.stringify(headers)).toBe(401);
      expect(res.headers["www-authenticate"]).toBe("Bearer");
      expect(res.json()).toEqual({ error: { code: "IGDM_ERR_ADMIN_AUTH", message: expect.any(String) } });
    }
    expect((await status("cmd-1", {})).statusCode).toBe(401);
    expect((await t.admin.inject({ method: "GET", url: "/debug/anything" })).statusCode).toBe(401);
    expect(seen).toEqual([]);
  });

  it("lets the right token through, whatever the scheme's case", async () => {
    await responder({ ok: true, commandId: "cmd-1" });
    const res = await send("1789", { recipient_id: "42", text: "hi" }, { authorization: `bearer ${ADMIN_TOKEN}` });
    expect(res.statusCode).toBe(202);
  });

  it("answers 404 for an unknown route once authenticated", async () => {
    const res = await t.admin.inject({ method: "GET", url: "/nope", headers: auth });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe("IGDM_ERR_NOT_FOUND");
  });
});

describe("POST /send/:page_id", () => {
  it("relays the command to the responder and answers 202 with the command id", async () => {
    await responder({ ok: true, commandId: "cmd-0001" });
    const res = await send("17841400000000001", { recipient_id: "9988776655", text: "Hello there" });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ command_id: "cmd-0001", status: "queued", status_url: "/send/cmd-0001" });
    expect(seen).toEqual([{ v: 1, accountId: "17841400000000001", recipientId: "9988776655", text: "Hello there" }]);
  });

  it("counts the text limit in UTF-8 bytes: 1000 bytes pass", async () => {
    await responder({ ok: true, commandId: "cmd-2" });
    const text = "é".repeat(500); // 500 characters, 1000 bytes
    expect((await send("1789", { recipient_id: "42", text })).statusCode).toBe(202);
    expect(seen).toEqual([{ v: 1, accountId: "1789", recipientId: "42", text }]);
  });

  it("answers 400 naming the field for bad bodies, relaying nothing", async () => {
    await responder({ ok: true, commandId: "cmd-3" });
    const cases: [unknown, string][] = [
      [{ text: "hi" }, "recipient_id"],
      [{ recipient_id: "42", text: "" }, "text"],
      [{ recipient_id: "42" }, "text"],
      [{ recipient_id: "42", text: "€".repeat(334) }, "text"], // 334 characters, 1002 bytes
      [{ recipient_id: "42", text: "a".repeat(1001) }, "text"],
      [{ recipient_id: "4 2", text: "hi" }, "recipient_id"],
      [{ recipient_id: "x".repeat(257), text: "hi" }, "recipient_id"],
      [{ recipient_id: 42, text: "hi" }, "recipient_id"],
    ];
    for (const [body, field] of cases) {
      const res = await send("1789", body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      const { error } = res.json();
      expect(error.code).toBe("IGDM_ERR_BAD_REQUEST");
      expect(error.message).toContain(field);
    }
    const badPage = await send("page!", { recipient_id: "42", text: "hi" });
    expect(badPage.statusCode).toBe(400);
    expect(badPage.json().error.message).toContain("page_id");
    expect(seen).toEqual([]);
  });

  it("answers 400 for a body that is not JSON or not declared as JSON", async () => {
    await responder({ ok: true, commandId: "cmd-4" });
    const body = JSON.stringify({ recipient_id: "42", text: "hi" });
    for (const contentType of ["text/plain", "application/x-www-form-urlencoded", "application/xml"]) {
      const res = await send("1789", body, { ...auth, "content-type": contentType });
      expect(res.statusCode, contentType).toBe(400);
      expect(res.json().error.code).toBe("IGDM_ERR_BAD_REQUEST");
    }
    const noType = await t.admin.inject({ method: "POST", url: "/send/1789", headers: auth, payload: body });
    expect(noType.statusCode).toBe(400);
    const malformed = await send("1789", "{not json");
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json()).toEqual({ error: { code: "IGDM_ERR_BAD_REQUEST", message: expect.any(String) } });
    expect(JSON.stringify(malformed.json())).not.toContain("at ");
    expect(seen).toEqual([]);
  });

  it("answers 409 with the reason when the responder refuses outside the 24-hour window", async () => {
    await responder({
      ok: false,
      code: "IGDM_ERR_OUTSIDE_WINDOW",
      message: "the user last wrote 3 days ago; the 24-hour window has closed",
    });
    const res = await send("1789", { recipient_id: "42", text: "hi" });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toEqual({
      error: {
        code: "IGDM_ERR_OUTSIDE_WINDOW",
        message: "the user last wrote 3 days ago; the 24-hour window has closed",
      },
    });
  });

  it("maps the responder's other refusals: no sender 404, bad request 400", async () => {
    await responder({ ok: false, code: "IGDM_ERR_NO_SENDER", message: "no connected sender for 1789" });
    const noSender = await send("1789", { recipient_id: "42", text: "hi" });
    expect(noSender.statusCode).toBe(404);
    expect(noSender.json().error.code).toBe("IGDM_ERR_NO_SENDER");
    await t.clear();
    await responder({ ok: false, code: "IGDM_ERR_BAD_REQUEST", message: "recipientId: bad" });
    const bad = await send("1789", { recipient_id: "42", text: "hi" });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe("IGDM_ERR_BAD_REQUEST");
  });

  it("answers 503 when no responder answers", async () => {
    const res = await send("1789", { recipient_id: "42", text: "hi" });
    expect(res.statusCode).toBe(503);
    expect(res.json().error.code).toBe("IGDM_ERR_UNAVAILABLE");
  });
});

describe("GET /send/:command_id", () => {
  it("relays to the persister and answers 200 with the command's state", async () => {
    await persister({
      ok: true,
      sendId: "cmd-0001",
      status: "sent",
      messageId: "mid.abc",
      updatedAt: "2025-05-01T10:00:00.000Z",
    });
    const res = await status("cmd-0001");
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      command_id: "cmd-0001",
      status: "sent",
      message_id: "mid.abc",
      updated_at: "2025-05-01T10:00:00.000Z",
    });
    expect(seen).toEqual([{ v: 1, sendId: "cmd-0001" }]);
  });

  it("shows why a send failed", async () => {
    await persister({
      ok: true,
      sendId: "cmd-2",
      status: "failed",
      reason: "recipient unavailable",
      updatedAt: "2025-05-01T10:00:00.000Z",
    });
    const res = await status("cmd-2");
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: "failed", reason: "recipient unavailable" });
  });

  it("answers 404 for a command the persister does not know", async () => {
    await persister({ ok: false, code: "IGDM_ERR_NOT_FOUND", message: "no send cmd-x" });
    const res = await status("cmd-x");
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe("IGDM_ERR_NOT_FOUND");
  });

  it("answers 503 when the persister does not answer", async () => {
    const res = await status("cmd-1");
    expect(res.statusCode).toBe(503);
    expect(res.json().error.code).toBe("IGDM_ERR_UNAVAILABLE");
  });
});

describe("admin env", () => {
  const base = { APP_SECRET: "secret-secret", VERIFY_TOKEN: "verify-token", NATS_URL: "nats://127.0.0.1:4222" };

  it("binds to localhost on 3001 and leaves the admin server off without a token", () => {
    const env = parseEnv(IngressEnv, base);
    expect(env.ADMIN_HOST).toBe("127.0.0.1");
    expect(env.ADMIN_PORT).toBe(3001);
    expect(env.ADMIN_TOKEN).toBeUndefined();
    const blank = parseEnv(IngressEnv, { ...base, ADMIN_TOKEN: "", ADMIN_HOST: "" });
    expect(blank.ADMIN_TOKEN).toBeUndefined();
    expect(blank.ADMIN_HOST).toBe("127.0.0.1");
  });

  it("refuses an admin token shorter than 24 characters", () => {
    expect(IngressEnv.safeParse({ ...base, ADMIN_TOKEN: "short-token" }).success).toBe(false);
    expect(IngressEnv.safeParse({ ...base, ADMIN_TOKEN: "a".repeat(24) }).success).toBe(true);
  });
});
