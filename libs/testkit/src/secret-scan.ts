/** A text to scan: a bare string is named by its position in the list. */
export type ScannedText = string | { where: string; text: string };

/** How a secret was written where it leaked. */
export type LeakForm = "plain" | "url-encoded" | "form-encoded" | "json-escaped" | "base64" | "base64url" | "hex";

/** One leak, named by the secret's label: the secret itself is never part of the report. */
export interface Leak {
  secret: string;
  where: string;
  form: LeakForm;
  /** Offset of the match in the text. */
  at: number;
}

/** Shorter secrets would match by chance (their base64 fragments are a few characters). */
const MIN_SECRET_LENGTH = 8;

/**
 * Every run of base64 characters that encodes exactly `bytes` wherever they sit in a longer encoded input: one per
 * alignment (0, 1 or 2 bytes before them in their 3-byte group), cut to the characters no neighbouring byte changes.
 */
function base64Fragments(bytes: Buffer): string[] {
  const fragments: string[] = [];
  for (let offset = 0; offset < 3; offset++) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes])
      .toString("base64")
      .replace(/=+$/, "");
    const first = Math.ceil((8 * offset) / 6);
    const last = Math.floor((8 * (offset + bytes.length) - 6) / 6);
    if (last >= first) fragments.push(encoded.slice(first, last + 1));
  }
  return fragments;
}

/** Percent escapes may be written in either case. */
const withEscapeCases = (encoded: string) => [encoded, encoded.replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase())];

/** The forms a secret is looked for in, without repeats (a plain token is its own URL encoding). */
function formsOf(secret: string): { form: LeakForm; pattern: string }[] {
  const bytes = Buffer.from(secret, "utf8");
  const candidates: { form: LeakForm; pattern: string }[] = [
    { form: "plain", pattern: secret },
    ...withEscapeCases(encodeURIComponent(secret)).map((pattern) => ({ form: "url-encoded" as const, pattern })),
    ...withEscapeCases(new URLSearchParams({ s: secret }).toString().slice(2)).map((pattern) => ({
      form: "form-encoded" as const,
      pattern,
    })),
    { form: "json-escaped", pattern: JSON.stringify(secret).slice(1, -1) },
    ...base64Fragments(bytes).map((pattern) => ({ form: "base64" as const, pattern })),
    ...base64Fragments(bytes).map((pattern) => ({
      form: "base64url" as const,
      pattern: pattern.replace(/\+/g, "-").replace(/\//g, "_"),
    })),
    { form: "hex", pattern: bytes.toString("hex") },
  ];
  const seen = new Set<string>();
  return candidates.filter(({ pattern }) => {
    if (seen.has(pattern)) return false;
    seen.add(pattern);
    return true;
  });
}

/**
 * Which of `secrets` (label → value) appear in any of `texts` (response bodies, log lines, headers), as written or
 * URL-, form-, JSON-, base64-, base64url- or hex-encoded, base64 at any alignment inside a longer encoded value.
 * Reports labels and places only, so a failing assertion does not print the secret it found. Hex is matched
 * case-insensitively; everything else exactly.
 */
export function findLeakedSecrets(texts: Iterable<ScannedText>, secrets: Record<string, string>): Leak[] {
  const patterns = Object.entries(secrets).map(([label, secret]) => {
    if (secret.length < MIN_SECRET_LENGTH) {
      throw new Error(`secret "${label}" is shorter than ${MIN_SECRET_LENGTH} characters: too short to scan for`);
    }
    return { label, forms: formsOf(secret) };
  });
  const leaks: Leak[] = [];
  let index = 0;
  for (const entry of texts) {
    const { where, text } = typeof entry === "string" ? { where: `text #${index}`, text: entry } : entry;
    index++;
    const lower = text.toLowerCase();
    for (const { label, forms } of patterns) {
      for (const { form, pattern } of forms) {
        const at = form === "hex" ? lower.indexOf(pattern) : text.indexOf(pattern);
        if (at >= 0) {
          leaks.push({ secret: label, where, form, at });
          break; // one report per secret and text: the first form found
        }
      }
    }
  }
  return leaks;
}
