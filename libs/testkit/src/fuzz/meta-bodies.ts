import fc from "fast-check";
import { instagramFixtures } from "../fixtures/instagram-webhooks.js";
import { type FuzzBody, fuzzBody } from "./fuzz-body.js";

/**
 * Meta-shaped webhook bodies as objects: `metaBodyObject` is valid in every item (each maps to a typed event, see
 * META-PLATFORM.md and the normalizer's mapping), `nearlyValidMetaBody` breaks a few of its fields.
 */

/** Meta's numeric ids, sent as JSON strings (many exceed 2^53). */
const metaId = fc.bigInt({ min: 1n, max: 10n ** 17n }).map(String);
/** Opaque base64-like message ids. */
const mid = fc.stringMatching(/^[A-Za-z0-9_=-]{8,80}$/);
/** Any user text: emoji, combining marks, RTL, quotes and backslashes included. */
const text = fc.string({ unit: "grapheme", maxLength: 120 });
/** Epoch milliseconds from 2001 to 2096. */
const epochMs = fc.integer({ min: 1_000_000_000_000, max: 4_000_000_000_000 });

const attachment = fc.record({
  type: fc.constantFrom("image", "video", "audio", "file", "share", "story_mention", "ig_reel", "reel", "ig_post"),
  payload: fc.record({ url: fc.webUrl() }, { requiredKeys: [] }),
});

/** The event field of one messaging item: each of these maps to a typed event. */
const messagingEvent = fc.oneof(
  fc.record({ message: fc.record({ mid, text }) }),
  fc.record({ message: fc.record({ mid, attachments: fc.array(attachment, { minLength: 1, maxLength: 3 }) }) }),
  fc.record({ message: fc.record({ mid, text, is_echo: fc.constant(true) }) }),
  fc.record({ message: fc.record({ mid, is_deleted: fc.constant(true) }) }),
  fc.record({ message: fc.record({ mid, text, quick_reply: fc.record({ payload: text }) }) }),
  fc.record({ message_edit: fc.record({ mid, text, num_edit: fc.nat(50) }) }),
  fc.record({ reaction: fc.record({ mid, action: fc.constant("react"), reaction: fc.constant("love"), emoji: text }) }),
  fc.record({ reaction: fc.record({ mid, action: fc.constant("unreact") }) }),
  fc.record({ postback: fc.record({ mid, title: text, payload: text }) }),
  // Without a mid (Messenger's older postbacks) the event id is made of the sender, the time and the payload.
  fc.record({ postback: fc.record({ title: text, payload: fc.string({ unit: "binary", maxLength: 60 }) }) }),
  fc.record({ read: fc.record({ mid }) }),
  fc.record({ referral: fc.record({ ref: text, source: fc.constant("IGME"), type: fc.constant("OPEN_THREAD") }) }),
);

const messagingItem = fc
  .tuple(metaId, metaId, epochMs, messagingEvent)
  .map(([sender, recipient, timestamp, event]) => ({
    sender: { id: sender },
    recipient: { id: recipient },
    timestamp,
    ...event,
  }));

const changeItem = fc.oneof(
  fc.record({
    field: fc.constantFrom("comments", "live_comments"),
    value: fc.record({
      id: metaId,
      text,
      from: fc.record({ id: metaId, username: fc.stringMatching(/^[a-z0-9._]{1,30}$/) }),
      media: fc.record({ id: metaId, media_product_type: fc.constantFrom("FEED", "REELS", "LIVE") }),
    }),
  }),
  fc.record({ field: fc.constant("mentions"), value: fc.record({ media_id: metaId, comment_id: metaId }) }),
  fc.record({ field: fc.constant("messages"), value: messagingItem }),
);

const entry = fc.oneof(
  fc.record({
    id: metaId,
    time: epochMs,
    messaging: fc.array(messagingItem, { minLength: 1, maxLength: 4 }),
  }),
  fc.record({ id: metaId, time: epochMs, standby: fc.array(messagingItem, { minLength: 1, maxLength: 2 }) }),
  fc.record({ id: metaId, time: epochMs, changes: fc.array(changeItem, { minLength: 1, maxLength: 3 }) }),
);

/** Bodies the fixtures hold for every payload shape Meta documents, minus the ones meant to stay unrecognised. */
const fixtureBodies = Object.entries(instagramFixtures)
  .filter(([, f]) => f.expected.every((e) => e.kind !== "unrecognised"))
  .map(([, f]) => f.body);

/** A valid Meta webhook body: every item in it maps to a typed event (none `unrecognised`). */
export const metaBodyObject: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      object: fc.constantFrom("instagram", "page"),
      entry: fc.array(entry, { minLength: 1, maxLength: 3 }),
    }),
  },
  { weight: 1, arbitrary: fc.constantFrom(...fixtureBodies) as fc.Arbitrary<Record<string, unknown>> },
);

type Json = unknown;
type Path = (string | number)[];

/** Every path in a JSON value, root excluded, found iteratively (a deep value must not blow the stack). */
function paths(root: Json): Path[] {
  const out: Path[] = [];
  const stack: { value: Json; path: Path }[] = [{ value: root, path: [] }];
  while (stack.length > 0) {
    const { value, path } = stack.pop()!;
    if (path.length > 0) out.push(path);
    if (value !== null && typeof value === "object") {
      for (const [k, v] of Object.entries(value))
        stack.push({ value: v, path: [...path, Array.isArray(value) ? Number(k) : k] });
    }
  }
  return out;
}

type Mutation =
  | { op: "delete"; at: number }
  | { op: "replace"; at: number; value: Json }
  | { op: "retype"; at: number }
  | { op: "extra"; at: number; key: string; value: Json };

/** The same value as another JSON type: "123" -> 123, 5 -> "5", {} -> [], [] -> {}, true -> "true", null -> 0. */
function retype(value: Json): Json {
  if (typeof value === "string") return value.length > 0 && !Number.isNaN(Number(value)) ? Number(value) : [value];
  if (typeof value === "number") return String(value);
  if (typeof value === "boolean") return String(value);
  if (value === null) return 0;
  if (Array.isArray(value)) return Object.fromEntries(value.map((v, i) => [String(i), v]));
  return Object.values(value as object);
}

/** Sets an own property even for "__proto__" (plain assignment would replace the prototype instead). */
function setOwn(target: Record<string | number, Json>, key: string | number, value: Json): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function mutate(body: Json, mutations: Mutation[]): Json {
  const copy = structuredClone(body);
  for (const m of mutations) {
    const all = paths(copy);
    if (all.length === 0) break;
    const path = all[m.at % all.length]!;
    const parent = path.slice(0, -1).reduce<Json>((v, k) => (v as Record<string | number, Json>)[k], copy) as
      | Record<string, Json>
      | Json[];
    const key = path.at(-1)!;
    const target = parent as Record<string | number, Json>;
    if (m.op === "delete") {
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete target[key];
    } else if (m.op === "replace") {
      setOwn(target, key, m.value);
    } else if (m.op === "retype") {
      setOwn(target, key, retype(target[key]));
    } else {
      const host = target[key];
      if (host !== null && typeof host === "object" && !Array.isArray(host))
        setOwn(host as Record<string, Json>, m.key, m.value);
      else setOwn(target, key, { [m.key]: m.value, value: host });
    }
  }
  return copy;
}

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant("delete" as const), at: fc.nat() }),
  fc.record({ op: fc.constant("replace" as const), at: fc.nat(), value: fc.jsonValue({ maxDepth: 2 }) }),
  fc.record({ op: fc.constant("retype" as const), at: fc.nat() }),
  fc.record({
    op: fc.constant("extra" as const),
    at: fc.nat(),
    key: fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.constantFrom("__proto__", "constructor", "is_echo", "message", "entry"),
    ),
    value: fc.jsonValue({ maxDepth: 2 }),
  }),
);

/** A valid body as the bytes Meta sends. */
export const validMetaBody: fc.Arbitrary<FuzzBody> = metaBodyObject.map((b) =>
  fuzzBody("valid", "meta", JSON.stringify(b)),
);

/** A Meta body with one to three fields deleted, replaced by any JSON, given another type, or added. */
export const nearlyValidMetaBody: fc.Arbitrary<FuzzBody> = fc
  .tuple(metaBodyObject, fc.array(mutation, { minLength: 1, maxLength: 3 }))
  .map(([body, ms]) =>
    fuzzBody("nearly-valid", `meta+${ms.map((m) => m.op).join("+")}`, JSON.stringify(mutate(body, ms))),
  );
