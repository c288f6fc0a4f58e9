import { SenderCredentialReply, SenderCredentialRequest } from "@igdm/contracts";
import { describe, expect, it } from "vitest";
import { useEventsDatabase } from "../testing/events-database.js";
import { useRpcServer } from "../testing/rpc-server.js";
import { callback, ev, FB_USER, IG_ACCOUNT, PAGE, token } from "../testing/test-events.js";
import { persistEvents } from "../writes/persist-events.js";
import { deauthorize } from "../writes/user-callbacks.js";
import { serveSenderCredential } from "./sender-credential.js";

const db = useEventsDatabase();
const rpc = useRpcServer(db, "sender-credential", serveSenderCredential, {
  request: SenderCredentialRequest,
  reply: SenderCredentialReply,
});
const IG_LOGIN = "17841400000000099";
const credential = (accountId: string) => rpc.call({ v: 1, accountId });

describe("sender-credential over NATS", () => {
  it("an Instagram Login account sends as itself with its own token", async () => {
    await persistEvents(db.sql, [ev.igLinked({ at: 0, igId: IG_LOGIN, loginType: "instagram" })]);
    expect(await credential(IG_LOGIN)).toEqual({
      ok: true,
      accountId: IG_LOGIN,
      senderId: IG_LOGIN,
      loginType: "instagram",
      tokenSubject: { subjectType: "instagram_account", subjectId: IG_LOGIN },
      accessTokenEnc: token("ig-0"),
      tokenStatus: "valid",
    });
  });

  it("a Facebook Login account sends through its page with the page's token and status", async () => {
    await persistEvents(db.sql, [ev.userConnected({ at: 0 }), ev.pageConnected({ at: 10 }), ev.igLinked({ at: 20 })]);
    await persistEvents(db.sql, [ev.reauthNeeded({ at: 30, subjectType: "page", subjectId: PAGE })]);
    expect(await credential(IG_ACCOUNT)).toEqual({
      ok: true,
      accountId: IG_ACCOUNT,
      senderId: PAGE,
      loginType: "facebook",
      tokenSubject: { subjectType: "page", subjectId: PAGE },
      accessTokenEnc: token("page-10"),
      tokenStatus: "invalid",
    });
  });

  it("a page id sends as that page", async () => {
    await persistEvents(db.sql, [ev.userConnected({ at: 0 }), ev.pageConnected({ at: 10 })]);
    expect(await credential(PAGE)).toMatchObject({
      ok: true,
      accountId: PAGE,
      senderId: PAGE,
      loginType: "facebook",
      tokenSubject: { subjectType: "page", subjectId: PAGE },
      accessTokenEnc: token("page-10"),
    });
  });

  it("answers IGDM_ERR_NO_SENDER for an unknown account or one whose page has no token", async () => {
    expect(await credential("17841400000000000")).toMatchObject({ ok: false, code: "IGDM_ERR_NO_SENDER" });
    // The account's page is only a placeholder (its page_connected has not arrived): no token to send with.
    await persistEvents(db.sql, [ev.igLinked({ at: 20 })]);
    expect(await credential(IG_ACCOUNT)).toMatchObject({ ok: false, code: "IGDM_ERR_NO_SENDER" });
    expect(await credential(PAGE)).toMatchObject({ ok: false, code: "IGDM_ERR_NO_SENDER" });
  });

  it("answers IGDM_ERR_NO_SENDER once the owner deauthorized the app, until they connect again", async () => {
    await persistEvents(db.sql, [
      ev.userConnected({ at: 0 }),
      ev.pageConnected({ at: 10 }),
      ev.igLinked({ at: 20 }),
      ev.igLinked({ at: 20, igId: IG_LOGIN, loginType: "instagram" }),
    ]);
    await deauthorize(db.sql, callback.deauthorize(FB_USER, { at: 1000 }));
    await deauthorize(db.sql, callback.deauthorize(IG_LOGIN, { at: 1000, app: "instagram" }));
    // A refresh that raced the callback changes nothing.
    await persistEvents(db.sql, [
      ev.tokenRefreshed({ at: 2000, subjectType: "page", subjectId: PAGE }),
      ev.tokenRefreshed({ at: 2000, subjectType: "instagram_account", subjectId: IG_LOGIN }),
    ]);
    for (const account of [IG_ACCOUNT, PAGE, IG_LOGIN]) {
      expect(await credential(account), account).toMatchObject({ ok: false, code: "IGDM_ERR_NO_SENDER" });
    }
    await persistEvents(db.sql, [ev.pageConnected({ at: 3000 })]);
    expect(await credential(IG_ACCOUNT)).toMatchObject({
      ok: true,
      accessTokenEnc: token("page-3000"),
      tokenStatus: "valid",
    });
  });

  it("answers a malformed request with IGDM_ERR_BAD_REQUEST", async () => {
    expect(await rpc.raw({ v: 1 })).toMatchObject({ ok: false, code: "IGDM_ERR_BAD_REQUEST" });
  });
});
