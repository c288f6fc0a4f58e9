import { completeSandboxLogin } from "@igdm/meta-sandbox";
import type postgres from "postgres";
import { waitFor } from "./ports.js";

/**
 * Connects the Meta sandbox's user (two pages, one with an Instagram account) through ingress's real OAuth flow,
 * and waits until the persister has both pages with their tokens and subscriptions.
 */
export async function connectSandboxAccount(ingressUrl: string, sql: postgres.Sql): Promise<void> {
  const login = await fetch(`${ingressUrl}/auth/login`, { redirect: "manual" });
  const location = login.headers.get("location");
  if (login.status !== 302 || !location) throw new Error(`login did not redirect: ${login.status}`);
  const page = await fetch(await completeSandboxLogin(location));
  if (page.status !== 200) throw new Error(`connect failed: ${page.status} ${await page.text()}`);
  await waitFor(
    async () => {
      const [row] = await sql<{ n: number }[]>`
        select count(*)::int as n from pages where access_token_enc is not null and subscribed`;
      return row?.n === 2;
    },
    { what: "both sandbox pages connected" },
  );
}
