import { completeSandboxLogin } from "@igdm/meta-sandbox";
import { waitFor } from "@igdm/testkit";
import type { Pipeline } from "./pipeline.js";

/** Connects the sandbox's user (two pages, one Instagram account) through the real OAuth flow, and waits for the rows. */
export async function connectSandboxAccount(pipeline: Pipeline): Promise<void> {
  const login = await fetch(`${pipeline.ingressUrl}/auth/login`, { redirect: "manual" });
  const callback = await completeSandboxLogin(login.headers.get("location")!);
  const page = await fetch(callback);
  if (page.status !== 200) throw new Error(`connect failed: ${page.status} ${await page.text()}`);
  await waitFor(async () => {
    const [row] = await pipeline.db.sql<{ n: number }[]>`
      select count(*)::int as n from pages where access_token_enc is not null and subscribed`;
    return row?.n === 2;
  });
}
