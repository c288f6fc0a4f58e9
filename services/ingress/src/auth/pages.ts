import type { ConnectAccountReply } from "@igdm/contracts";
import { escapeHtml, page } from "../html.js";

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
