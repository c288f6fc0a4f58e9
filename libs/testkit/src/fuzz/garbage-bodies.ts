import fc from "fast-check";
import { type FuzzBody, fuzzBody } from "./fuzz-body.js";
import { metaBodyObject } from "./meta-bodies.js";

/** Where a generated value sits in an otherwise well-formed Meta envelope. */
export type Placement = "top" | "entry" | "item" | "attachment-payload" | "change-value" | "extra-key";

/** Places a JSON text at `where`; "attachment-payload" keeps the message valid, so the value reaches a typed event. */
export function placeJson(where: Placement, json: string): string {
  switch (where) {
    case "top":
      return json;
    case "entry":
      return `{"object":"instagram","entry":[${json}]}`;
    case "item":
      return `{"object":"instagram","entry":[{"id":"17841400000000001","time":1732780800000,"messaging":[${json}]}]}`;
    case "attachment-payload":
      return `{"object":"instagram","entry":[{"id":"17841400000000001","time":1732780800000,"messaging":[{"sender":{"id":"1914567812345678"},"recipient":{"id":"17841400000000001"},"timestamp":1732780800000,"message":{"mid":"fuzz_mid","attachments":[{"type":"share","payload":{"x":${json}}}]}}]}]}`;
    case "change-value":
      return `{"object":"instagram","entry":[{"id":"17841400000000001","time":1732780800,"changes":[{"field":"comments","value":{"id":"1","extra":${json}}}]}]}`;
    case "extra-key":
      return `{"object":"instagram","entry":[],"extra":${json}}`;
  }
}

const placement = fc.constantFrom<Placement>("top", "entry", "item", "attachment-payload", "change-value", "extra-key");

export interface GarbageOptions {
  /** Upper bound for the big bodies (huge arrays and strings, deep nesting); small ones stay small. */
  maxBytes: number;
}

/** Thousands of nested arrays or objects, closed or not. */
export function deeplyNestedBody({ maxBytes }: GarbageOptions): fc.Arbitrary<FuzzBody> {
  const maxDepth = Math.max(100, Math.floor((maxBytes - 400) / 12));
  return fc
    .record({
      depth: fc.integer({ min: 100, max: maxDepth }),
      open: fc.constantFrom("[", '{"a":', '{"entry":[', "[{}, "),
      closed: fc.boolean(),
      where: placement,
    })
    .map(({ depth, open, closed, where }) => {
      const close = open === "[" || open === "[{}, " ? "]" : open === '{"a":' ? "}" : "]}";
      const inner = `${open.repeat(depth)}0${closed ? close.repeat(depth) : ""}`;
      return fuzzBody(
        "garbage",
        `deep-nesting(${depth}, ${JSON.stringify(open)}, ${closed ? "closed" : "open"}, ${where})`,
        placeJson(where, inner),
      );
    });
}

/** An array of up to maxBytes/3 small elements. */
export function hugeArrayBody({ maxBytes }: GarbageOptions): fc.Arbitrary<FuzzBody> {
  return fc
    .record({
      element: fc.constantFrom("0", "{}", "[]", "null", '"x"', '{"message":{}}', '{"id":"1"}'),
      where: placement,
      fill: fc.double({ min: 0.05, max: 1, noNaN: true }),
    })
    .map(({ element, where, fill }) => {
      const n = Math.max(1, Math.floor(((maxBytes - 400) * fill) / (element.length + 1)));
      return fuzzBody(
        "garbage",
        `huge-array(${n} x ${element}, ${where})`,
        placeJson(where, `[${Array(n).fill(element).join(",")}]`),
      );
    });
}

/** A valid message whose text (or a key, or the object name) is a string of up to maxBytes characters. */
export function hugeStringBody({ maxBytes }: GarbageOptions): fc.Arbitrary<FuzzBody> {
  return fc
    .record({
      char: fc.constantFrom("x", "é", "😀", "\\n", '\\"', "\\u0000", "\\ud800"),
      where: fc.constantFrom("text", "key", "object", "mid"),
      fill: fc.double({ min: 0.05, max: 1, noNaN: true }),
    })
    .map(({ char, where, fill }) => {
      const s = char.repeat(Math.max(1, Math.floor(((maxBytes - 400) * fill) / Buffer.byteLength(char))));
      const message = (m: string) =>
        `{"object":"instagram","entry":[{"id":"17841400000000001","messaging":[{"sender":{"id":"1"},"recipient":{"id":"2"},"timestamp":1732780800000,"message":${m}}]}]}`;
      const body =
        where === "text"
          ? message(`{"mid":"fuzz","text":"${s}"}`)
          : where === "mid"
            ? message(`{"mid":"${s}","text":"hi"}`)
            : where === "key"
              ? message(`{"mid":"fuzz","${s}":1}`)
              : `{"object":"${s}","entry":[]}`;
      return fuzzBody("garbage", `huge-string(${char} in ${where})`, body);
    });
}

/** Bytes that are not UTF-8, spliced into an otherwise valid body. */
const INVALID_UTF8: readonly number[][] = [
  [0xff],
  [0xfe],
  [0x80],
  [0xc0, 0x80], // overlong NUL
  [0xc3], // truncated two-byte sequence
  [0xe2, 0x82], // truncated three-byte sequence
  [0xed, 0xa0, 0x80], // a UTF-16 surrogate encoded as UTF-8
  [0xf4, 0x90, 0x80, 0x80], // beyond U+10FFFF
  [0xf8, 0x88, 0x80, 0x80, 0x80], // five-byte form
];

export const invalidUtf8Body: fc.Arbitrary<FuzzBody> = fc
  .record({
    body: metaBodyObject.map((b) => Buffer.from(JSON.stringify(b))),
    at: fc.double({ min: 0, max: 1, noNaN: true }),
    bad: fc.constantFrom(...INVALID_UTF8),
  })
  .map(({ body, at, bad }) => {
    const i = Math.floor(at * body.length);
    const bytes = Buffer.concat([body.subarray(0, i), Buffer.from(bad), body.subarray(i)]);
    return fuzzBody("garbage", `invalid-utf8(${bad.map((b) => b.toString(16)).join(" ")} at ${i})`, bytes);
  });

/** Text that JSON.parse refuses, or nearly does. */
const nonJson: fc.Arbitrary<FuzzBody> = fc.oneof(
  fc.string({ unit: "binary", maxLength: 300 }).map((s) => fuzzBody("garbage", "random-text", s)),
  fc.uint8Array({ maxLength: 300 }).map((b) => fuzzBody("garbage", "random-bytes", Buffer.from(b))),
  fc.tuple(metaBodyObject, fc.double({ min: 0, max: 1, noNaN: true })).map(([b, at]) => {
    const s = JSON.stringify(b);
    return fuzzBody("garbage", "truncated-json", s.slice(0, Math.floor(at * s.length)));
  }),
  fc
    .tuple(metaBodyObject, fc.constantFrom("}", "]", ",", "x", "{}", "\u0000", "// done"))
    .map(([b, tail]) => fuzzBody("garbage", `trailing(${JSON.stringify(tail)})`, JSON.stringify(b) + tail)),
  fc
    .constantFrom(
      "{object: 'instagram', entry: []}",
      '{"object":"instagram","entry":[NaN]}',
      '{"object":"instagram","entry":[Infinity]}',
      '{"object":"instagram",/* c */"entry":[]}',
      "object=instagram&entry=%5B%5D",
      '<?xml version="1.0"?><object>instagram</object>',
      "undefined",
      "\u2028",
    )
    .map((s) => fuzzBody("garbage", "not-json", s)),
);

/** Empty, blank, BOM-prefixed and NUL-carrying bodies. */
const oddBytes: fc.Arbitrary<FuzzBody> = fc.oneof(
  fc.constant(fuzzBody("garbage", "empty", Buffer.alloc(0))),
  fc
    .string({ unit: fc.constantFrom(" ", "\t", "\n", "\r"), minLength: 1, maxLength: 64 })
    .map((s) => fuzzBody("garbage", "whitespace", s)),
  metaBodyObject.map((b) =>
    fuzzBody(
      "garbage",
      "utf8-bom+json",
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(b))]),
    ),
  ),
  metaBodyObject.map((b) => fuzzBody("garbage", "double-bom+json", `\uFEFF\uFEFF${JSON.stringify(b)}`)),
  metaBodyObject.map((b) =>
    fuzzBody(
      "garbage",
      "utf16le-bom+json",
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(JSON.stringify(b), "utf16le")]),
    ),
  ),
  fc.constant(fuzzBody("garbage", "bom-only", Buffer.from([0xef, 0xbb, 0xbf]))),
  fc.tuple(metaBodyObject, fc.double({ min: 0, max: 1, noNaN: true })).map(([b, at]) => {
    const s = JSON.stringify(b);
    const i = Math.floor(at * s.length);
    return fuzzBody("garbage", `raw-nul(at ${i})`, `${s.slice(0, i)}\u0000${s.slice(i)}`);
  }),
  fc
    .constantFrom(
      '{"object":"instagram","entry":[{"id":"1","messaging":[{"sender":{"id":"1\\u0000"},"recipient":{"id":"2"},"timestamp":1,"message":{"mid":"m\\u0000","text":"a\\u0000b"}}]}]}',
      '{"object":"instagram","entry":[{"id":"1","messaging":[{"sender":{"id":"1"},"recipient":{"id":"2"},"timestamp":1,"message":{"mid":"m","text":"\\ud800 \\udfff"}}]}]}',
      '{"object":"\\u0000","entry":[]}',
      '{"object":"instagram","entry":[{"id":1e400,"messaging":[]}]}',
      '{"object":"instagram","entry":[{"id":"1","time":-1e308,"messaging":[{"sender":{"id":1e20},"recipient":{"id":-0},"timestamp":1e400,"message":{"mid":"m"}}]}]}',
      '{"object":"instagram","entry":[{"__proto__":{"id":"1"},"constructor":{"prototype":{}},"messaging":[]}]}',
      '{"object":"instagram","object":"page","entry":[],"entry":[{"id":"1"}]}',
    )
    .map((s) => fuzzBody("garbage", "odd-json", s)),
);

/** Any JSON at all, and Meta-looking envelopes whose parts are any JSON. */
const randomJson: fc.Arbitrary<FuzzBody> = fc.oneof(
  fc.json({ maxDepth: 6 }).map((s) => fuzzBody("garbage", "random-json", s)),
  fc
    .record({ object: fc.jsonValue({ maxDepth: 2 }), entry: fc.jsonValue({ maxDepth: 4 }) }, { requiredKeys: [] })
    .map((b) => fuzzBody("garbage", "random-envelope", JSON.stringify(b))),
  fc
    .array(fc.jsonValue({ maxDepth: 4 }), { maxLength: 5 })
    .map((entry) => fuzzBody("garbage", "random-entries", JSON.stringify({ object: "instagram", entry }))),
  fc
    .array(fc.jsonValue({ maxDepth: 4 }), { maxLength: 5 })
    .map((messaging) =>
      fuzzBody(
        "garbage",
        "random-items",
        JSON.stringify({ object: "instagram", entry: [{ id: "1", messaging, changes: messaging }] }),
      ),
    ),
);

/** Every kind of garbage; the big ones bounded by `maxBytes`. */
export function garbageBody(opts: GarbageOptions): fc.Arbitrary<FuzzBody> {
  return fc.oneof(
    { weight: 3, arbitrary: randomJson },
    { weight: 3, arbitrary: nonJson },
    { weight: 3, arbitrary: oddBytes },
    { weight: 2, arbitrary: invalidUtf8Body },
    { weight: 2, arbitrary: deeplyNestedBody(opts) },
    { weight: 1, arbitrary: hugeArrayBody(opts) },
    { weight: 1, arbitrary: hugeStringBody(opts) },
  );
}
