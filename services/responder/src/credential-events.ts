import { AccessRevoked, type Topology } from "@igdm/contracts";
import type { Logger } from "@igdm/runtime";
import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import type { PersisterClient } from "./persister-client.js";

/**
 * Events after which a cached sending credential may be stale: a new token from a reconnect or a refresh (the old
 * one may be dead: sending with it would fail and mark the fresh one invalid), or a revocation.
 */
const CREDENTIAL_EVENTS = ["page_connected", "instagram_account_linked", "token_refreshed"] as const;

/**
 * Drops every cached sending credential when an account gets a new token (`CREDENTIAL_EVENTS`), each on a plain
 * subscription that every replica hears. Returns the subscriptions, the revocation's among them.
 */
export function forgetCredentialsOnChange(opts: {
  nc: NatsConnection;
  topology: Topology;
  persister: PersisterClient;
  log: Logger;
}): Subscription[] {
  const { nc, topology, persister } = opts;
  return [
    forgetCredentialsOnRevocation(opts),
    ...CREDENTIAL_EVENTS.map((kind) =>
      nc.subscribe(topology.subjects.event(kind), { callback: () => persister.forgetAll() }),
    ),
  ];
}

/**
 * Drops every cached sending credential when the persister announces that someone's access was revoked
 * (deauthorize or data deletion). A plain core subscription without a queue group, so every replica hears it; the
 * callback runs as the message is read, before anything received after it on this connection is handled.
 * Everything is dropped, not just the accounts named: a refill costs one request per account, and a cached
 * credential must never outlive its revocation. A reconnect drops them too: an announcement made while this
 * replica was disconnected is missed.
 */
export function forgetCredentialsOnRevocation(opts: {
  nc: NatsConnection;
  topology: Topology;
  persister: PersisterClient;
  log: Logger;
}): Subscription {
  const { nc, persister, log } = opts;
  const sub = nc.subscribe(opts.topology.subjects.event("access_revoked"), {
    callback: (err, m) => {
      // Whatever arrived (even a message that does not parse): forgetting is always safe.
      persister.forgetAll();
      if (err) return log.warn({ err }, "access_revoked subscription error; cached credentials dropped");
      let parsed: ReturnType<typeof AccessRevoked.safeParse> | undefined;
      try {
        parsed = AccessRevoked.safeParse(m.json());
      } catch {
        // not JSON
      }
      if (parsed?.success) {
        const { id, reason, pageIds, igIds } = parsed.data;
        log.info(
          { id, reason, pages: pageIds.length, accounts: igIds.length },
          "access revoked; cached credentials dropped",
        );
      } else {
        log.warn({ subject: m.subject }, "unreadable access_revoked event; cached credentials dropped");
      }
    },
  });
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === "reconnect") persister.forgetAll();
    }
  })().catch(() => {});
  return sub;
}
