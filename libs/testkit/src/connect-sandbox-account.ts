import { completeSandboxLogin } from "@igdm/meta-sandbox";
import type postgres from "postgres";
import { waitFor } from "./ports.js";

/**
 * Plays a person who opens ingress's /auth/login and presses "Continue" in the Meta sandbox's dialog, and resolves
 * once ingress's callback answered 200 (token-refresher connected the account; the persister stores it next).
 * With `dialogOrigin`, a login that ingress sends anywhere else (real Meta) is refused before it is followed.
 */
export async function loginThroughIngress(ingressUrl: string, opts: { dialogOrigin?: string } = {}): Promise<void> {
  const login = await fetch(`${ingressUrl}/auth/login`, { redirect: "manual" });
  await login.body?.cancel();
  const location = login.headers.get("location");
  if (login.status !== 302 || !location) throw new Error(`login did not redirect: ${login.status}`);
  if (opts.dialogOrigin && new URL(location).origin !== new URL(opts.dialogOrigin).origin) {
    throw new Error(
      `ingress sends logins to ${new URL(location).origin}, not to the Meta sandbox at ${opts.dialogOrigin}`,
    );
  }
  const page = await fetch(await completeSandboxLogin(location));
  if (page.status !== 200) throw new Error(`connect failed: ${page.status} ${await page.text()}`);
  await page.body?.cancel();
}

/**
 * Connects the Meta sandbox's user (two pages, one with an Instagram account) through ingress's real OAuth flow,
 * and waits until the persister has both pages with their tokens and subscriptions.
 */
export async function connectSandboxAccount(ingressUrl: string, sql: postgres.Sql): Promise<void> {
  await loginThroughIngress(ingressUrl);
  await waitFor(
    async () => {
      const [row] = await sql<{ n: number }[]>`
        select count(*)::int as n from pages where access_token_enc is not null and subscribed`;
      return row?.n === 2;
    },
    { what: "both sandbox pages connected" },
  );
}
