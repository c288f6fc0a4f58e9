/** What the consent form holds: where it posts and its hidden fields. */
export interface ConsentForm {
  action: string;
  fields: Record<string, string>;
}

function unescapeHtml(value: string): string {
  return value
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
}

/** Reads the sandbox consent page's form (the sandbox writes it, so a small parser is enough). */
export function parseConsentForm(html: string): ConsentForm {
  const form = /<form method="post" action="([^"]*)">/.exec(html);
  if (!form) throw new Error("meta-sandbox: no consent form in the page");
  const fields: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) {
    fields[unescapeHtml(m[1]!)] = unescapeHtml(m[2]!);
  }
  return { action: unescapeHtml(form[1]!), fields };
}

/**
 * Plays the user in a sandbox login dialog over HTTP: loads the dialog URL (as a browser would after the product's
 * redirect), submits "Continue" or "Cancel", and returns the redirect Meta would send the browser to (the product's
 * callback with `code` and `state`, or with `error=access_denied`).
 */
export async function completeSandboxLogin(
  dialogUrl: string,
  decision: "continue" | "cancel" = "continue",
): Promise<URL> {
  const page = await fetch(dialogUrl);
  const html = await page.text();
  if (page.status !== 200) throw new Error(`meta-sandbox: dialog answered ${page.status}: ${html.slice(0, 300)}`);
  const form = parseConsentForm(html);
  const answer = await fetch(new URL(form.action, dialogUrl), {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ ...form.fields, decision }).toString(),
    redirect: "manual",
  });
  await answer.body?.cancel();
  const location = answer.headers.get("location");
  if (answer.status !== 302 || !location) throw new Error(`meta-sandbox: consent answered ${answer.status}`);
  return new URL(location);
}
