import { createHash } from "node:crypto";
import type { FastifyReply } from "fastify";

/** Escapes text for HTML element content and quoted attribute values. */
export const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

const STYLE =
  "body{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;line-height:1.5}" +
  "li{margin:.25rem 0}.muted{color:#555}table{border-collapse:collapse}td,th{padding:.2rem .8rem .2rem 0;text-align:left}";

/**
 * Our pages load nothing from anywhere (no scripts, images, fonts or frames); the one inline style is allowed by
 * its hash, so an injected `<style>` or `<script>` would not run even if escaping ever failed.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  `style-src 'sha256-${createHash("sha256").update(STYLE).digest("base64")}'`,
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

/** A complete page; `body` must already be escaped HTML. */
export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style></head>
<body><main><h1>${escapeHtml(title)}</h1>${body}</main></body>
</html>`;
}

/** Sends a page with the policy and the headers every page of ours carries. */
export function sendHtml(reply: FastifyReply, status: number, html: string, cacheControl = "no-store"): FastifyReply {
  return reply
    .code(status)
    .header("content-security-policy", CONTENT_SECURITY_POLICY)
    .header("x-content-type-options", "nosniff")
    .header("referrer-policy", "no-referrer")
    .header("cache-control", cacheControl)
    .type("text/html; charset=utf-8")
    .send(html);
}
