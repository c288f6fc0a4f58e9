import { DebugPagesReply, DebugPagesRequest } from "@igdm/contracts";
import { describe, expect, it } from "vitest";
import { useEventsDatabase } from "../testing/events-database.js";
import { useRpcServer } from "../testing/rpc-server.js";
import { at, callback, ev, FB_USER, IG_ACCOUNT, PAGE, token } from "../testing/test-events.js";
import { persistEvents } from "../writes/persist-events.js";
import { deauthorize } from "../writes/user-callbacks.js";
import { serveDebugPages } from "./debug-pages.js";

const db = useEventsDatabase();
const rpc = useRpcServer(db, "debug-pages", serveDebugPages, { request: DebugPagesRequest, reply: DebugPagesReply });
const IG_LOGIN = "17841400000000099";
const PAGE_2 = "112233445566779";
const DAY = 86_400_000;

describe("debug-pages over NATS", () => {
  it("answers pages with their Instagram accounts and the Instagram Login accounts, never a token", async () => {
    await persistEvents(db.sql, [
      ev.userConnected({ at: 0, token: token("user-secret") }),
      ev.pageConnected({ at: 10, token: token("page-secret") }),
      ev.pageConnected({ at: 10, pageId: PAGE_2, name: "Second", token: token("page-2-secret") }),
      ev.igLinked({ at: 20 }),
      ev.igLinked({ at: 30, igId: IG_LOGIN, loginType: "instagram", username: "ig.only", token: token("ig-secret") }),
      ev.pageSubscription(true, { at: 40, fields: ["messages", "messaging_postbacks"] }),
      ev.reauthNeeded({ at: 50, subjectType: "page", subjectId: PAGE_2 }),
    ]);
    const reply = await rpc.call({ v: 1 });
    expect(reply).toEqual({
      ok: true,
      pages: [
        {
          id: PAGE,
          name: "Ada's Shop",
          userId: FB_USER,
          subscribed: true,
          subscribedFields: ["messages", "messaging_postbacks"],
          lastSubscribedAt: at(40),
          tokenStatus: "valid",
          hasToken: true,
          instagramAccounts: [
            {
              id: IG_ACCOUNT,
              username: "ada.shop",
              loginType: "facebook",
              pageId: PAGE,
              tokenStatus: null,
              tokenExpiresAt: null,
            },
          ],
        },
        {
          id: PAGE_2,
          name: "Second",
          userId: FB_USER,
          subscribed: false,
          subscribedFields: [],
          lastSubscribedAt: null,
          tokenStatus: "invalid",
          hasToken: true,
          instagramAccounts: [],
        },
      ],
      instagramAccounts: [
        {
          id: IG_LOGIN,
          username: "ig.only",
          loginType: "instagram",
          pageId: null,
          tokenStatus: "valid",
          tokenExpiresAt: at(60 * DAY),
        },
      ],
    });
    const json = JSON.stringify(reply);
    for (const secret of ["user-secret", "page-secret", "page-2-secret", "ig-secret"]) {
      expect(json).not.toContain(token(secret));
    }
    expect(json).not.toMatch(/v1\.k1\./);
  });

  it("shows a deauthorized page as revoked, without a token", async () => {
    await persistEvents(db.sql, [ev.userConnected({ at: 0 }), ev.pageConnected({ at: 10 })]);
    await deauthorize(db.sql, callback.deauthorize(FB_USER, { at: 1000 }));
    expect(await rpc.call({ v: 1 })).toMatchObject({
      ok: true,
      pages: [{ id: PAGE, tokenStatus: "revoked", hasToken: false }],
      instagramAccounts: [],
    });
  });

  it("answers empty lists when nothing is connected", async () => {
    expect(await rpc.call({ v: 1 })).toEqual({ ok: true, pages: [], instagramAccounts: [] });
  });
});
