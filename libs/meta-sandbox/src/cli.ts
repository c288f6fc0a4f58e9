import { startMetaSandbox } from "./server.js";

/** `npm run sandbox`: the fake Meta on SANDBOX_PORT (4100), for clicking through OAuth locally. */
async function main(): Promise<void> {
  const port = Number.parseInt(process.env.SANDBOX_PORT ?? "4100", 10);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`SANDBOX_PORT must be a port number, got ${process.env.SANDBOX_PORT}`);
  }
  // The stack passes its app credentials so the services and the sandbox agree on them.
  const sandbox = await startMetaSandbox({
    ...(process.env.SANDBOX_HOST ? { host: process.env.SANDBOX_HOST } : {}),
    port,
    ...(process.env.APP_ID ? { appId: process.env.APP_ID } : {}),
    ...(process.env.APP_SECRET ? { appSecret: process.env.APP_SECRET } : {}),
    ...(process.env.INSTAGRAM_APP_ID ? { igAppId: process.env.INSTAGRAM_APP_ID } : {}),
    ...(process.env.INSTAGRAM_APP_SECRET ? { igAppSecret: process.env.INSTAGRAM_APP_SECRET } : {}),
  });
  const { urls, state } = sandbox;
  const shop = state.pages.find((p) => p.instagram_business_account);
  const lines = [
    `Meta sandbox listening on ${sandbox.url}`,
    "",
    "Base URLs (each Meta host under its own prefix; add /vNN.N/ where Meta has a version):",
    `  graph.facebook.com   ${urls.graph}`,
    `  www.facebook.com     ${urls.dialog}`,
    `  api.instagram.com    ${urls.igApi}`,
    `  graph.instagram.com  ${urls.igGraph}`,
    `  www.instagram.com    ${urls.igDialog}`,
    "",
    "Environment for the services:",
    ...Object.entries(sandbox.env).map(([k, v]) => `  ${k}=${v}`),
    "",
    "Seed:",
    ...state.users.map((u) => `  Facebook user ${u.name} (${u.id}), Pages: ${u.pageIds.join(", ")}`),
    ...(shop
      ? [
          `  Page ${shop.name} -> Instagram @${shop.instagram_business_account!.username} (${shop.instagram_business_account!.id})`,
        ]
      : []),
    ...state.igAccounts.map((a) => `  Instagram-Login account @${a.username} (user_id ${a.user_id})`),
    "",
    "Try the Facebook Login dialog in a browser:",
    `  ${urls.dialog}/v21.0/dialog/oauth?client_id=${encodeURIComponent(sandbox.config.appId)}&redirect_uri=${encodeURIComponent("http://127.0.0.1:3000/auth/callback")}&state=try-me&scope=pages_show_list,instagram_basic,instagram_manage_messages`,
    "",
    "Ctrl-C stops it.",
  ];
  process.stdout.write(`${lines.join("\n")}\n`);

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n${signal}: stopping the Meta sandbox\n`);
    sandbox.close().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`meta-sandbox: close failed: ${String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`meta-sandbox: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
