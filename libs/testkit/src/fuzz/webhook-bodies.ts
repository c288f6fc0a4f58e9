import fc from "fast-check";
import { type FuzzBody, fuzzBody } from "./fuzz-body.js";
import { type GarbageOptions, garbageBody } from "./garbage-bodies.js";
import { nearlyValidMetaBody, validMetaBody } from "./meta-bodies.js";

/** Valid, nearly valid and garbage bodies in about equal shares; none larger than `maxBytes`. */
export function webhookBody(opts: GarbageOptions): fc.Arbitrary<FuzzBody> {
  return fc
    .oneof(
      { weight: 3, arbitrary: validMetaBody },
      { weight: 3, arbitrary: nearlyValidMetaBody },
      { weight: 4, arbitrary: garbageBody(opts) },
    )
    .filter((b) => b.bytes.length <= opts.maxBytes);
}

/** A body from 1 to `overBy` bytes over `limit`: a JSON envelope padded with a long string, or plain filler. */
export function oversizedBody(limit: number, overBy = 4096): fc.Arbitrary<FuzzBody> {
  return fc.record({ extra: fc.integer({ min: 1, max: overBy }), json: fc.boolean() }).map(({ extra, json }) => {
    const size = limit + extra;
    if (!json) return fuzzBody("garbage", `oversized(${size})`, Buffer.alloc(size, 0x61));
    const head = '{"object":"instagram","entry":[],"pad":"';
    return fuzzBody("garbage", `oversized-json(${size})`, `${head}${"x".repeat(size - head.length - 2)}"}`);
  });
}
