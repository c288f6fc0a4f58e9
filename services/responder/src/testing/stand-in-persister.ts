import { type SenderCredentialReply, SenderCredentialRequest, type Topology } from "@igdm/contracts";
import { TokenCipher } from "@igdm/crypto";
import { type MetaSandbox, SANDBOX_SHOP_IG_ID, SANDBOX_SHOP_PAGE_ID } from "@igdm/meta-sandbox";
import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import { ResponderEnv } from "../env.js";
import type { SenderCredential } from "../persister-client.js";

/** The token keys of the responder's tests (the persister would encrypt with the same ones). */
export const TEST_TOKEN_KEYS = `k1:${Buffer.alloc(32, 7).toString("base64")}`;

export const testCipher = () => TokenCipher.fromKeys(ResponderEnv.shape.TOKEN_ENCRYPTION_KEYS.parse(TEST_TOKEN_KEYS));

/** A fresh page token of the sandbox shop, encrypted as the persister hands it out. */
export function shopCredential(sandbox: MetaSandbox): SenderCredential {
  const user = sandbox.state.issueToken("user_long", {
    ownerId: "10000000000001",
    scopes: ["pages_messaging", "instagram_manage_messages"],
  });
  const pageToken = sandbox.state.pageTokenFor(SANDBOX_SHOP_PAGE_ID, user).token;
  return {
    ok: true,
    accountId: SANDBOX_SHOP_IG_ID,
    senderId: SANDBOX_SHOP_PAGE_ID,
    loginType: "facebook",
    tokenSubject: { subjectType: "page", subjectId: SANDBOX_SHOP_PAGE_ID },
    accessTokenEnc: testCipher().encrypt(pageToken),
    tokenStatus: "valid",
  };
}

/**
 * Stands in for the persister's sender-credential request (the only one sends make): answers `answer()` and
 * counts the requests. Resolves once the server has the subscription.
 */
export async function standInSenderCredential(
  nc: NatsConnection,
  topology: Topology,
  answer: () => SenderCredentialReply,
): Promise<{ subscription: Subscription; requests: () => number }> {
  let requests = 0;
  const subscription = nc.subscribe(topology.subjects.rpc("persister", "sender-credential"), {
    callback: (_err, m) => {
      SenderCredentialRequest.parse(m.json());
      requests++;
      m.respond(JSON.stringify(answer()));
    },
  });
  await nc.flush();
  return { subscription, requests: () => requests };
}
