import { DeletionStatusReply, DeletionStatusRequest } from "@igdm/contracts";
import { deleteNamespaceStreams } from "@igdm/testkit";
import { describe, expect, it } from "vitest";
import { CONTENT_SECURITY_POLICY } from "../html.js";
import { startIngress } from "../testing/ingress-harness.js";
import { useIngressWithStandIns } from "../testing/use-stand-ins.js";

// The persister's side of `deletion-status` is played by a real NATS responder on the test's namespace.
const t = useIngressWithStandIns({
  env: {
    // Short, so the never-answering persister's test does not wait 5 seconds; no assertion depends on it.
    RPC_TIMEOUT_MS: "300",
    OPERATOR_NAME: `Acme <Shop> & "Sons"`,
    OPERATOR_CONTACT_EMAIL: "privacy+dm@acme.test",
    WEBHOOKS_MAX_AGE_DAYS: "3",
  },
});
const { seen } = t;
const CODE = "Abc123Def456Ghi789Jk";

const subject = () => t.subject("persister", "deletion-status");

const persister = (answer: DeletionStatusReply) =>
  t.stand(subject(), DeletionStatusRequest, DeletionStatusReply, answer);

const browser = { accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8" };
const get = (code: string, headers: Record<string, string> = browser) =>
  t.ingress.app.inject({ method: "GET", url: `/meta/data-deletion/${code}`, headers });

function expectPageHeaders(res: Awaited<ReturnType<typeof get>>) {
  expect(res.headers["content-type"]).toBe("text/html; charset=utf-8");
  expect(res.headers["content-security-policy"]).toBe(CONTENT_SECURITY_POLICY);
  expect(res.headers["content-security-policy"]).toContain("default-src 'none'");
  expect(res.headers["x-content-type-options"]).toBe("nosniff");
  // No external assets: nothing is loaded from anywhere.
  expect(res.body).not.toMatch(/<(script|link|img|iframe)\b|src=|https?:\/\//i);
}

const completed: DeletionStatusReply = {
  ok: true,
  confirmationCode: CODE,
  status: "completed",
  requestedAt: "2025-05-01T10:00:00.000Z",
  completedAt: "2025-05-01T10:00:02.000Z",
  deleted: { messages: 42, pages: 2, "<b>odd</b>": 1 },
};

describe("GET /meta/data-deletion/:code", () => {
  it("asks the persister and renders a completed deletion with when and what, escaped", async () => {
    await persister(completed);
    const res = await get(CODE);
    expect(res.statusCode).toBe(200);
    expectPageHeaders(res);
    expect(res.headers["cache-control"]).toBe("no-store");
    expect(seen).toEqual([{ v: 1, confirmationCode: CODE }]);
    expect(res.body).toContain('data-status="completed"');
    expect(res.body).toContain(CODE);
    expect(res.body).toContain("2025-05-01 10:00 UTC");
    expect(res.body).toMatch(/<th scope="row">messages<\/th><td>42<\/td>/);
    expect(res.body).toMatch(/<th scope="row">pages<\/th><td>2<\/td>/);
    expect(res.body).toContain("&lt;b&gt;odd&lt;/b&gt;");
    expect(res.body).not.toContain("<b>odd</b>");
  });

  it("answers JSON in snake_case when the client asks for it", async () => {
    await persister(completed);
    const res = await get(CODE, { accept: "application/json" });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^application\/json/);
    expect(res.headers.vary).toBe("Accept");
    expect(res.json()).toEqual({
      confirmation_code: CODE,
      status: "completed",
      requested_at: "2025-05-01T10:00:00.000Z",
      completed_at: "2025-05-01T10:00:02.000Z",
      deleted: { messages: 42, pages: 2, "<b>odd</b>": 1 },
    });
  });

  it("says so when the deletion failed, pointing at the operator's contact", async () => {
    await persister({ ...completed, status: "failed", completedAt: null, deleted: {} });
    const res = await get(CODE);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('data-status="failed"');
    expect(res.body).toContain('href="mailto:privacy+dm@acme.test"');
  });

  it("renders the 404 page for a code the persister does not know", async () => {
    await persister({ ok: false, code: "IGDM_ERR_NOT_FOUND", message: "no such request" });
    const res = await get(CODE);
    expect(res.statusCode).toBe(404);
    expectPageHeaders(res);
    expect(res.body).toContain('data-status="unknown"');
    const json = await get(CODE, { accept: "application/json" });
    expect(json.statusCode).toBe(404);
    expect(json.json()).toEqual({ error: { code: "IGDM_ERR_NOT_FOUND", message: expect.any(String) } });
  });

  it("answers 404 to a code that cannot be one without asking anybody, and escapes nothing back", async () => {
    await persister(completed);
    for (const code of ["short", "x".repeat(65), "%3Cscript%3Ealert(1)%3C%2Fscript%3E0000", "abc-def_ghi.jkl012345"]) {
      const res = await get(code);
      expect(res.statusCode, code).toBe(404);
      expect(res.body).not.toContain("<script>");
    }
    expect(seen).toEqual([]);
  });

  it("answers 503 when no persister is subscribed", async () => {
    const res = await get(CODE);
    expect(res.statusCode).toBe(503);
    expect(res.body).toContain('data-status="unavailable"');
    const json = await get(CODE, { accept: "application/json" });
    expect(json.json().error.code).toBe("IGDM_ERR_UNAVAILABLE");
  });

  it("answers 504 when the persister never answers", async () => {
    await t.silent(subject());
    const res = await get(CODE, { accept: "application/json" });
    expect(res.statusCode).toBe(504);
    expect(res.json().error.code).toBe("IGDM_ERR_UPSTREAM_TIMEOUT");
    expect(seen).toEqual([{ v: 1, confirmationCode: CODE }]);
  });

  it("answers 502 to an error the persister should not give", async () => {
    await persister({ ok: false, code: "IGDM_ERR_INTERNAL", message: "database exploded at line 3" });
    const res = await get(CODE, { accept: "application/json" });
    expect(res.statusCode).toBe(502);
    expect(res.json().error.message).not.toContain("database");
  });
});

describe("GET /privacy", () => {
  it("names the operator and the contact, escaped, with the configured retention", async () => {
    const res = await t.ingress.app.inject({ method: "GET", url: "/privacy" });
    expect(res.statusCode).toBe(200);
    expectPageHeaders(res);
    expect(res.body).toContain("Acme &lt;Shop&gt; &amp; &quot;Sons&quot;");
    expect(res.body).not.toContain("<Shop>");
    expect(res.body).toContain('<a href="mailto:privacy+dm@acme.test">privacy+dm@acme.test</a>');
    expect(res.body).toContain("for 3 days");
    expect(res.body).toContain("/meta/data-deletion/");
    expect(res.body).toMatch(/encrypted/i);
  });

  it("still renders without an operator configured, saying no contact is set", async () => {
    const bare = await startIngress();
    try {
      const res = await bare.app.inject({ method: "GET", url: "/privacy" });
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain("the operator of this service");
      expect(res.body).toContain("no contact address is configured");
    } finally {
      await bare.close();
      await deleteNamespaceStreams(t.nc, bare.namespace);
    }
  });
});
