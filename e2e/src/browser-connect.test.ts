import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { type MetaSandbox, startMetaSandbox } from "@igdm/meta-sandbox";
import { waitFor } from "@igdm/testkit";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APP_SECRET, type Pipeline, startPipeline } from "./pipeline.js";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const SCREENSHOTS = join(import.meta.dirname, "..", "reports", "screenshots");

let sandbox: MetaSandbox;
let pipeline: Pipeline;
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: run bash scripts/test.sh, which installs it`);
  sandbox = await startMetaSandbox({ appSecret: APP_SECRET });
  pipeline = await startPipeline({
    services: ["ingress", "persister", "token-refresher"],
    env: { ...sandbox.env, APP_SECRET },
  });
  // The flags keep Chromium off the network this machine does not have.
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless=new",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  mkdirSync(SCREENSHOTS, { recursive: true });
});
afterAll(async () => {
  await browser?.close();
  await pipeline?.stop();
  await sandbox?.close();
});

describe("connecting an account in a real browser", () => {
  it("goes from /auth/login through Meta's consent page to the list of connected accounts", async () => {
    const page = await browser.newPage();
    await page.goto(`${pipeline.ingressUrl}/auth/login`);
    await page.waitForSelector("#continue");
    expect(page.url().startsWith(sandbox.urls.dialog)).toBe(true);
    await page.screenshot({ path: join(SCREENSHOTS, "connect-1-consent.png") });

    await page.click("#continue");
    await page.waitForSelector("#connected");
    expect(page.url().startsWith(`${pipeline.ingressUrl}/auth/callback`)).toBe(true);
    await page.screenshot({ path: join(SCREENSHOTS, "connect-2-connected.png") });
    const listed = await page.locator("#connected li").allTextContents();
    expect(listed).toEqual([
      expect.stringMatching(/Sandbox Shop.*@sandbox\.shop/),
      expect.stringMatching(/Sandbox Blog/),
    ]);
    await waitFor(async () => {
      const [row] = await pipeline.db.sql<{ n: number }[]>`select count(*)::int as n from pages where subscribed`;
      return row?.n === 2;
    });
  });
});
