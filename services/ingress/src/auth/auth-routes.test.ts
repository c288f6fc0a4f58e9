import { BeginLoginReply, BeginLoginRequest, ConnectAccountReply, ConnectAccountRequest } from "@igdm/contracts";
import { describe, expect, it } from "vitest";
import { useIngressWithStandIns } from "../testing/use-stand-ins.js";

// token-refresher's side of the conversation is played by real NATS responders on the test's namespace.
const t = useIngressWithStandIns();
const { seen } = t;

async function respond(begin: BeginLoginReply | undefined, connect: ConnectAccountReply | undefined) {
  if (begin) await t.stand(t.subject("token-refresher", "begin-login"), BeginLoginRequest, BeginLoginReply, begin);
  if (connect) {
    await t.stand(t.subject("token-refresher", "connect"), ConnectAccountRequest, ConnectAccountReply, connect);
  }
}

const get = (url: string) => t.ingress.app.inject({ method: "GET", url });

describe("GET /auth/login", () => {
  it("redirects to the dialog URL token-refresher made, for the flow asked", async () => {
    await respond(
      { ok: true, url: "https://www.facebook.com/v23.0/dialog/oauth?state=abc", state: "a".repeat(16) },
      undefined,
    );
    const res = await get("/auth/login?flow=instagram");
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe("https://www.facebook.com/v23.0/dialog/oauth?state=abc");
    expect(seen).toEqual([{ v: 1, flow: "instagram" }]);
  });

  it("refuses an unknown flow and answers 503 while token-refresher is away", async () => {
    expect((await get("/auth/login?flow=myspace")).statusCode).toBe(400);
    const down = await get("/auth/login");
    expect(down.statusCode).toBe(503);
    expect(down.headers["content-type"]).toMatch(/text\/html/);
  });
});

describe("GET /auth/callback", () => {
  it("shows the connected pages and accounts, escaped, and is never cached", async () => {
    await respond(undefined, {
      ok: true,
      user: { id: "1", name: "Ada" },
      pages: [
        {
          id: "p1",
          name: "<script>alert(1)</script>",
          subscribed: true,
          instagramAccount: { id: "ig1", username: "shop" },
        },
        { id: "p2", name: "Blog", subscribed: true },
      ],
      instagramAccounts: [],
    });
    const res = await get("/auth/callback?code=the-code&state=the-state#_");
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain("@shop");
    expect(res.body).toContain("Blog");
    expect(res.body).toContain("&lt;script&gt;");
    expect(res.body).not.toContain("<script>alert");
    expect(res.headers["cache-control"]).toBe("no-store");
    expect(res.headers["referrer-policy"]).toBe("no-referrer");
    expect(seen).toEqual([{ v: 1, state: "the-state", code: "the-code" }]);
  });

  it("answers 400 for a state token-refresher rejects, a cancelled login, or a missing code", async () => {
    await respond(undefined, {
      ok: false,
      code: "IGDM_ERR_OAUTH_STATE",
      message: "login link was already used: start again",
    });
    const reused = await get("/auth/callback?code=c&state=s");
    expect(reused.statusCode).toBe(400);
    expect(reused.body).toContain("already used");
    const cancelled = await get("/auth/callback?error=access_denied&error_reason=user_denied&state=s");
    expect(cancelled.statusCode).toBe(400);
    expect(cancelled.body).toContain("Login cancelled");
    expect((await get("/auth/callback?state=s")).statusCode).toBe(400);
    expect(seen).toHaveLength(1);
  });
});
