import { createHash } from "node:crypto";
import { DebugTokensReply, DebugTokensRequest } from "@igdm/contracts";
import { describe, expect, it } from "vitest";
import { useEventsDatabase } from "../testing/events-database.js";
import { useRpcServer } from "../testing/rpc-server.js";
import { at, callback, ev, FB_USER, PAGE, token } from "../testing/test-events.js";
import { persistEvents } from "../writes/persist-events.js";
import { deauthorize } from "../writes/user-callbacks.js";
import { serveDebugTokens } from "./debug-tokens.js";

const db = useEventsDatabase();
const rpc = useRpcServer(db, "debug-tokens", serveDebugTokens, {
  request: DebugTokensRequest,
  reply: DebugTokensReply,
});
const IG_LOGIN = "17841400000000099";
const IG_LOGIN_2 = "17841400000000098";
const DAY = 86_400_000;
const fingerprint = (ciphertext: string) => createHash("sha256").update(ciphertext).digest("hex").slice(0, 12);

describe("debug-tokens over NATS", () => {
  it("answers one line per user, page and Instagram Login account, with a fingerprint instead of the token", async () => {
    const secrets = {
      user: token("user-secret"),
      page: token("page-secret"),
      refreshed: token("ig-refreshed-secret"),
      other: token("ig-2-secret"),
    };
    await persistEvents(db.sql, [
      ev.userConnected({ at: 0, token: secrets.user }),
      ev.pageConnected({ at: 10, token: secrets.page }),
      // A Facebook Login account has no token of its own: no line.
      ev.igLinked({ at: 20 }),
      ev.igLinked({ at: 30, igId: IG_LOGIN, loginType: "instagram" }),
      ev.igLinked({ at: 30, igId: IG_LOGIN_2, loginType: "instagram", token: secrets.other }),
      ev.tokenRefreshed({
        at: 40,
        subjectType: "instagram_account",
        subjectId: IG_LOGIN,
        token: secrets.refreshed,
        expiresAt: 70 * DAY,
      }),
      ev.tokenValidated({ at: 50, subjectType: "page", subjectId: PAGE }),
    ]);
    await deauthorize(db.sql, callback.deauthorize(IG_LOGIN_2, { at: 1000, app: "instagram" }));
    const reply = await rpc.call({ v: 1 });
    expect(reply).toEqual({
      ok: true,
      tokens: [
        {
          subjectType: "instagram_account",
          subjectId: IG_LOGIN_2,
          status: "revoked",
          hasToken: false,
          expiresAt: at(60 * DAY),
          refreshedAt: at(30),
          lastValidatedAt: null,
          fingerprint: null,
        },
        {
          subjectType: "instagram_account",
          subjectId: IG_LOGIN,
          status: "valid",
          hasToken: true,
          expiresAt: at(70 * DAY),
          refreshedAt: at(40),
          lastValidatedAt: null,
          fingerprint: fingerprint(secrets.refreshed),
        },
        {
          subjectType: "page",
          subjectId: PAGE,
          status: "valid",
          hasToken: true,
          expiresAt: null,
          refreshedAt: null,
          lastValidatedAt: at(50),
          fingerprint: fingerprint(secrets.page),
        },
        {
          subjectType: "user",
          subjectId: FB_USER,
          status: "valid",
          hasToken: true,
          expiresAt: at(60 * DAY),
          refreshedAt: at(0),
          lastValidatedAt: null,
          fingerprint: fingerprint(secrets.user),
        },
      ],
    });
    const json = JSON.stringify(reply);
    for (const secret of [...Object.values(secrets), token("ig-30")]) expect(json).not.toContain(secret);
    expect(json).not.toMatch(/v1\.k1\./);
  });
});
