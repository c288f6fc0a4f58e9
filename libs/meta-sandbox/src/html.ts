export function escapeHtml(value: string): string {
  return value
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

const STYLE = `body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;line-height:1.5}
.note{color:#555;font-size:.9rem}button{font-size:1rem;padding:.5rem 1rem;margin-right:.5rem}
#continue{background:#1877f2;color:#fff;border:0;border-radius:6px}`;

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}

export interface ConsentPage {
  /** "Facebook" or "Instagram". */
  provider: string;
  /** Who the user logs in as: "Sandbox User", "sandbox.creator". */
  accountName: string;
  appName: string;
  scopes: readonly string[];
  /** Where the form posts (the dialog's own path). */
  action: string;
  hidden: Record<string, string | undefined>;
}

/** The consent page: one form, "Continue as ..." (`#continue`) and "Cancel" (`#cancel`). */
export function consentPage(page: ConsentPage): string {
  const scopes =
    page.scopes.length > 0
      ? `<ul aria-label="Requested permissions">${page.scopes.map((s) => `<li><code>${escapeHtml(s)}</code></li>`).join("")}</ul>`
      : "<p>No extra permissions requested.</p>";
  const hidden = Object.entries(page.hidden)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join("\n");
  const heading = `Sandbox: log in as ${page.accountName}`;
  return layout(
    heading,
    `<h1>${escapeHtml(heading)}</h1>
<p><strong>${escapeHtml(page.appName)}</strong> asks to use your ${escapeHtml(page.provider)} account with these permissions:</p>
${scopes}
<form method="post" action="${escapeHtml(page.action)}">
${hidden}
<button type="submit" id="continue" name="decision" value="continue">Continue as ${escapeHtml(page.accountName)}</button>
<button type="submit" id="cancel" name="decision" value="cancel">Cancel</button>
</form>
<p class="note">This is the local Meta sandbox: no real ${escapeHtml(page.provider)} account is involved.</p>`,
  );
}

/** What Meta shows instead of the dialog when the request itself is wrong (bad app id, blocked redirect URL). */
export function dialogErrorPage(title: string, message: string): string {
  return layout(
    `Sandbox: ${title}`,
    `<h1>${escapeHtml(title)}</h1>
<p role="alert">${escapeHtml(message)}</p>`,
  );
}
