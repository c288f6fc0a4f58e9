import type { ConnectAccountReply } from "@igdm/contracts";

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;line-height:1.5}
li{margin:.25rem 0}.muted{color:#555}</style></head>
<body><main><h1>${escapeHtml(title)}</h1>${body}</main></body>
</html>`;
}

export function connectedPage(reply: Extract<ConnectAccountReply, { ok: true }>): string {
  const pages = reply.pages.map((p) => {
    const ig = p.instagramAccount
      ? ` with Instagram account <strong>@${escapeHtml(p.instagramAccount.username ?? p.instagramAccount.id)}</strong>`
      : ' <span class="muted">(no Instagram account)</span>';
    const sub = p.subscribed ? "receiving messages" : "not subscribed to messages yet";
    return `<li data-page-id="${escapeHtml(p.id)}">Page <strong>${escapeHtml(p.name ?? p.id)}</strong>${ig}: ${sub}</li>`;
  });
  const igs = reply.instagramAccounts.map(
    (a) =>
      `<li data-instagram-id="${escapeHtml(a.id)}">Instagram account <strong>@${escapeHtml(a.username ?? a.id)}</strong></li>`,
  );
  const who = reply.user ? `<p>Connected as <strong>${escapeHtml(reply.user.name ?? reply.user.id)}</strong>.</p>` : "";
  const items = [...pages, ...igs];
  return page(
    "Accounts connected",
    `${who}${items.length ? `<ul id="connected">${items.join("")}</ul>` : "<p>No pages or accounts were shared.</p>"}`,
  );
}

export function errorPage(title: string, message: string): string {
  return page(title, `<p role="alert">${escapeHtml(message)}</p><p><a href="/auth/login">Try again</a></p>`);
}
