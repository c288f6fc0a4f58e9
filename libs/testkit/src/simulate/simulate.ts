import { randomBytes } from "node:crypto";
import { loginThroughIngress } from "../connect-sandbox-account.js";
import { waitFor } from "../ports.js";
import { instagramTextWebhook, metaWebhookHeaders } from "../webhook.js";
import { type AdminAccount, AdminApi, type AdminMessage, type AdminPages, causeOf } from "./admin-api.js";
import { SimulateError, WaitTimedOut } from "./errors.js";
import type { SimulateSettings } from "./settings.js";

export interface SimulateResult {
  account: AdminAccount;
  inbound: AdminMessage;
  reply: AdminMessage;
}

/**
 * One Instagram DM through a running stack, as a newcomer would watch it: the account connected (through the
 * sandbox's OAuth dialog if needed), a webhook signed as Meta signs it posted to ingress, then the stored message
 * and its automatic reply read back from the admin port, the way an operator would look.
 */
export async function simulate(s: SimulateSettings, progress: (line: string) => void): Promise<SimulateResult> {
  await checkIngress(s.ingressUrl);
  const admin = new AdminApi(s.adminUrl, s.adminToken);
  let account = connectedAccount(await admin.pages(), s.account);
  const fresh = !account;
  if (await answers(s.sandboxUrl)) {
    // The sandbox keeps what it issued in memory: after a restart it knows none of the stored tokens and every
    // send would be refused. Connecting again is idempotent (rows are updated, never duplicated).
    progress(
      fresh
        ? "No Instagram account is connected yet: connecting the Meta sandbox's through ingress's OAuth flow."
        : "Connecting the Meta sandbox's account again, so its tokens are ones the running sandbox issued.",
    );
    const before = new Set((await admin.tokens()).map((t) => t.fingerprint));
    await connectSandbox(s);
    account = await within(s.timeoutMs, "the connected account with new tokens in /debug/pages", async () => {
      const renewed = (await admin.tokens()).some((t) => t.subject_type === "page" && !before.has(t.fingerprint));
      return renewed ? connectedAccount(await admin.pages(), s.account) : undefined;
    });
  } else if (!account) {
    throw new SimulateError(
      `no Instagram account is connected and no Meta sandbox answers at ${s.sandboxUrl}: connect an account at ` +
        `${s.ingressUrl}/auth/login first`,
    );
  }

  const name = account.username ? ` (@${account.username})` : "";
  progress(`Instagram account ${account.id}${name} ${fresh ? "connected through the Meta sandbox" : "is connected"}.`);

  // Replies already there (a reused --from) are not this run's.
  const earlier = new Set((await admin.messages(account.id)).map((m) => m.message_id));
  const mid = `simulate.${Date.now()}.${randomBytes(4).toString("hex")}`;
  const body = instagramTextWebhook(mid, s.text, { from: s.from, to: account.id });
  const webhookUrl = `${s.ingressUrl}/webhook`;
  const res = await fetch(webhookUrl, { method: "POST", body, headers: metaWebhookHeaders(body, s.appSecret) });
  const answer = await res.text();
  if (res.status === 403) {
    throw new SimulateError(`ingress refused the signature (${answer}): run with the APP_SECRET the stack uses`);
  }
  if (res.status !== 200) throw new SimulateError(`ingress answered the webhook ${res.status}: ${answer}`);
  progress(`Sent a signed DM webhook to ${webhookUrl} (200 ${answer}); waiting for the message and its reply.`);

  let inbound: AdminMessage | undefined;
  const reply = await within(s.timeoutMs, "the message and its automatic reply", async () => {
    const messages = await admin.messages(account.id);
    inbound ??= messages.find((m) => m.message_id === mid);
    const out = messages.find(
      (m) => m.direction === "outbound" && m.recipient_id === s.from && !earlier.has(m.message_id),
    );
    return inbound && out;
  }).catch((err: unknown) => {
    if (!(err instanceof WaitTimedOut)) throw err;
    throw new SimulateError(
      inbound
        ? `the message was stored but no automatic reply appeared within ${s.timeoutMs / 1000} s. The responder ` +
            "answers a conversation once per REPLY_COOLDOWN_SECONDS (a day): leave out --from for a new sender, " +
            "or see GET /debug/dlq?service=responder"
        : `the webhook was accepted but the message was not stored within ${s.timeoutMs / 1000} s: are the ` +
            "normalizer and the persister running? See GET /debug/dlq",
    );
  });
  return { account, inbound: inbound!, reply };
}

/** The account to write to: the one asked for, or the first whose token can send (a subscribed page's, or its own). */
function connectedAccount(views: AdminPages, wanted: string | undefined): AdminAccount | undefined {
  const usable = [
    ...views.pages
      .filter((p) => p.has_token && p.subscribed && p.token_status === "valid")
      .flatMap((p) => p.instagram_accounts),
    ...views.instagram_accounts.filter((a) => a.token_status === "valid"),
  ];
  return usable.find((a) => wanted === undefined || a.id === wanted);
}

async function checkIngress(ingressUrl: string): Promise<void> {
  const res = await fetch(`${ingressUrl}/health`).catch((err: unknown) => {
    throw new SimulateError(
      `nothing answers at ${ingressUrl} (${causeOf(err)}): start the stack with \`npm run stack\` first ` +
        "(HOST / PORT say where ingress listens)",
    );
  });
  await res.body?.cancel();
  if (!res.ok) throw new SimulateError(`ingress's /health answered ${res.status} at ${ingressUrl}`);
}

/** True when something answers HTTP at `url` (the sandbox runs only when the stack has no real APP_ID). */
async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(url);
    await res.body?.cancel();
    return true;
  } catch {
    return false;
  }
}

async function connectSandbox(s: SimulateSettings): Promise<void> {
  try {
    await loginThroughIngress(s.ingressUrl, { dialogOrigin: s.sandboxUrl });
  } catch (err) {
    const why = err instanceof TypeError ? `the Meta sandbox does not answer (${causeOf(err)})` : causeOf(err);
    throw new SimulateError(
      `could not connect the sandbox's account: ${why}. The stack runs the sandbox on SANDBOX_PORT only when ` +
        "APP_ID is unset; with a real app, connect an account at /auth/login yourself",
    );
  }
}

/** Polls `probe` until it gives a value; WaitTimedOut naming what was awaited after `timeoutMs`. */
async function within<T>(timeoutMs: number, what: string, probe: () => Promise<T | undefined>): Promise<T> {
  try {
    return await waitFor(probe, { timeoutMs, intervalMs: 250, what });
  } catch (err) {
    if (err instanceof SimulateError) throw err;
    throw new WaitTimedOut(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
  }
}
