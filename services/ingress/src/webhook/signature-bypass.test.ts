import { createHmac } from "node:crypto";
import type { AddressInfo } from "node:net";
import { RawWebhook, topology } from "@igdm/contracts";
import { signatureHeaderValue, verifyWebhookSignature } from "@igdm/meta";
import {
  connectTestNats,
  deleteNamespaceStreams,
  instagramTextWebhook,
  type RawHttpResult,
  rawRequest,
  readStream,
  sendRawHttp,
} from "@igdm/testkit";
import type { NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APP_SECRET, type IngressUnderTest, leakedHarnessSecrets, startIngress } from "../testing/ingress-harness.js";

/*
 * Attempts to get an unverified body published by bending the HTTP around the signature: header case, repeated
 * headers, the legacy sha1 header, odd spellings of the value, chunked bodies. Sent as raw bytes over a socket, so
 * what reaches the server is exactly what is written here. (receive-route.test.ts covers the plain cases.)
 */

let ingress: IngressUnderTest;
let nc: NatsConnection;
let port: number;
const logLines: string[] = [];
const answers: RawHttpResult[] = [];
let mid = 0;

beforeAll(async () => {
  nc = await connectTestNats();
  ingress = await startIngress({ logLines, admin: true });
  await ingress.app.listen({ host: "127.0.0.1", port: 0 });
  port = (ingress.app.server.address() as AddressInfo).port;
});

afterAll(async () => {
  await ingress.close();
  await deleteNamespaceStreams(nc, ingress.namespace);
  await nc.close();
});

const storedCount = async () => (await readStream(nc, topology(ingress.namespace).streams.webhooks)).length;
const lastStored = async () =>
  RawWebhook.parse((await readStream(nc, topology(ingress.namespace).streams.webhooks)).at(-1)!.json());

/** A unique body per call: a refused one that got published anyway would show as one more stored message. */
const nextBody = () => instagramTextWebhook(`mid.bypass.${++mid}`);
const sha256Of = (body: string | Buffer, secret = APP_SECRET) => signatureHeaderValue(secret, body);
const sha1Of = (body: string | Buffer, secret = APP_SECRET) =>
  `sha1=${createHmac("sha1", secret).update(body).digest("hex")}`;

/** POST /webhook with exactly these extra header lines (name and value as written). */
async function post(body: string | Buffer, headerLines: string[], framing: "length" | "none" = "length") {
  const head = [
    "POST /webhook HTTP/1.1",
    `Host: 127.0.0.1:${port}`,
    "Content-Type: application/json",
    ...(framing === "length" ? [`Content-Length: ${Buffer.byteLength(body)}`] : []),
    ...headerLines,
    "Connection: close",
  ];
  const res = await sendRawHttp(port, rawRequest(head, body));
  answers.push(res);
  return res;
}

/** Sends, expects a refusal with `status` and `code`, and checks nothing was published. */
async function expectRefused(body: string | Buffer, headerLines: string[], status: number, code: string) {
  const before = await storedCount();
  const res = await post(body, headerLines);
  expect(res.status, headerLines.join(" | ")).toBe(status);
  expect(JSON.parse(res.body)).toEqual({ error: { code, message: expect.any(String) } });
  expect(await storedCount()).toBe(before);
}

async function expectStored(body: string, headerLines: string[], framing: "length" | "none" = "length") {
  const before = await storedCount();
  const res = await post(body, headerLines, framing);
  expect(res.status, `${headerLines.join(" | ")}: ${res.body}`).toBe(200);
  expect(res.body).toBe("EVENT_RECEIVED");
  expect(await storedCount()).toBe(before + 1);
  expect(Buffer.from((await lastStored()).body, "base64").toString()).toBe(body);
}

describe("header names", () => {
  it.each(["X-HUB-SIGNATURE-256", "x-hub-signature-256", "X-Hub-Signature-256", "x-HuB-sIgNaTuRe-256"])(
    "accepts a valid signature under %s (header names are case-insensitive)",
    async (name) => {
      const body = nextBody();
      await expectStored(body, [`${name}: ${sha256Of(body)}`]);
    },
  );

  it("refuses a lookalike header name that is not the signature header", async () => {
    const body = nextBody();
    for (const name of ["X-Hub-Signature-256-Extra", "X-Hub_Signature_256", "X-Hub-Signature256"]) {
      await expectRefused(body, [`${name}: ${sha256Of(body)}`], 401, "IGDM_ERR_SIGNATURE_MISSING");
    }
  });
});

describe("the signature value's spelling", () => {
  it("agrees with libs/meta on the prefix's and the digits' case", async () => {
    const secrets = [{ name: "app", secret: APP_SECRET }];
    const spellings = (body: string) => {
      const hex = sha256Of(body).slice("sha256=".length);
      return [`SHA256=${hex}`, `Sha256=${hex}`, `sha256=${hex.toUpperCase()}`, `SHA256=${hex.toUpperCase()}`];
    };
    const outcomes: string[] = [];
    for (let i = 0; i < 4; i++) {
      const body = nextBody();
      const value = spellings(body)[i]!;
      const accepted = verifyWebhookSignature(Buffer.from(body), value, secrets).ok;
      if (accepted) await expectStored(body, [`X-Hub-Signature-256: ${value}`]);
      else await expectRefused(body, [`X-Hub-Signature-256: ${value}`], 403, "IGDM_ERR_SIGNATURE_MALFORMED");
      outcomes.push(`${value.slice(0, 7)}${/[A-F]/.test(value.slice(7)) ? "HEX" : "hex"}:${accepted}`);
    }
    // Today's rule, so a change to it is noticed: the prefix is literal, the hex digits are case-insensitive.
    expect(outcomes).toEqual(["SHA256=hex:false", "Sha256=hex:false", "sha256=HEX:true", "SHA256=HEX:false"]);
  });

  it("accepts whitespace around the value, which HTTP itself strips (RFC 9110 optional whitespace)", async () => {
    const body = nextBody();
    await expectStored(body, [`X-Hub-Signature-256:    ${sha256Of(body)}  \t`]);
  });

  it.each([
    ["a space after the =", (v: string) => v.replace("=", "= ")],
    ["a space before the =", (v: string) => v.replace("=", " =")],
    ["a space inside the digits", (v: string) => `${v.slice(0, 30)} ${v.slice(30)}`],
    ["base64-style = padding", (v: string) => `${v}==`],
    ["a trailing comma", (v: string) => `${v},`],
    ["one digit short", (v: string) => v.slice(0, -1)],
    ["one digit extra", (v: string) => `${v}0`],
    ["non-hex digits", (v: string) => `${v.slice(0, -2)}zz`],
    ["a quoted value", (v: string) => `"${v}"`],
    ["no prefix", (v: string) => v.slice("sha256=".length)],
    ["the digest in base64", (v: string) => `sha256=${Buffer.from(v.slice(7), "hex").toString("base64")}`],
    ["two signatures in one value", (v: string) => `${v}, ${v}`],
    ["the sha1 prefix on a sha256 digest", (v: string) => v.replace("sha256=", "sha1=")],
  ])("refuses a signature with %s as malformed", async (_, spell) => {
    const body = nextBody();
    await expectRefused(body, [`X-Hub-Signature-256: ${spell(sha256Of(body))}`], 403, "IGDM_ERR_SIGNATURE_MALFORMED");
  });

  it("refuses an empty signature header as missing", async () => {
    const body = nextBody();
    await expectRefused(body, ["X-Hub-Signature-256: "], 401, "IGDM_ERR_SIGNATURE_MISSING");
  });

  it("refuses the signature of a different body, and a body changed by one byte after signing", async () => {
    const body = nextBody();
    await expectRefused(body, [`X-Hub-Signature-256: ${sha256Of(nextBody())}`], 403, "IGDM_ERR_SIGNATURE_INVALID");
    const signed = nextBody();
    const bytes = Buffer.from(signed);
    const at = signed.indexOf("hello");
    for (const tamper of [
      (b: Buffer) => b.writeUInt8(b[at]! ^ 0x20, at), // "hello" -> "Hello"
      (b: Buffer) => b.writeUInt8(0x20, b.length - 1), // the closing brace -> a space
    ]) {
      const copy = Buffer.from(bytes);
      tamper(copy);
      await expectRefused(copy, [`X-Hub-Signature-256: ${sha256Of(signed)}`], 403, "IGDM_ERR_SIGNATURE_INVALID");
    }
  });
});

describe("repeated and legacy signature headers", () => {
  it.each([
    ["valid, then invalid", (good: string, bad: string) => [good, bad]],
    ["invalid, then valid", (good: string, bad: string) => [bad, good]],
    ["valid twice", (good: string) => [good, good]],
  ])("refuses two X-Hub-Signature-256 headers (%s) without publishing", async (_, order) => {
    const body = nextBody();
    const [first, second] = order(sha256Of(body), sha256Of(body, "some-other-secret"));
    await expectRefused(
      body,
      [`X-Hub-Signature-256: ${first}`, `x-hub-signature-256: ${second}`],
      403,
      "IGDM_ERR_SIGNATURE_MALFORMED",
    );
  });

  it("refuses a valid sha1 X-Hub-Signature alone (401): only sha256 counts", async () => {
    const body = nextBody();
    await expectRefused(body, [`X-Hub-Signature: ${sha1Of(body)}`], 401, "IGDM_ERR_SIGNATURE_MISSING");
  });

  it("refuses a valid sha1 signature beside an invalid sha256 one", async () => {
    const body = nextBody();
    await expectRefused(
      body,
      [`X-Hub-Signature: ${sha1Of(body)}`, `X-Hub-Signature-256: ${sha256Of(body, "some-other-secret")}`],
      403,
      "IGDM_ERR_SIGNATURE_INVALID",
    );
  });

  it("accepts a valid sha256 signature whatever an extra sha1 header says", async () => {
    const body = nextBody();
    await expectStored(body, [`X-Hub-Signature: sha1=${"0".repeat(40)}`, `X-Hub-Signature-256: ${sha256Of(body)}`]);
  });
});

describe("body framing", () => {
  const chunked = (body: string, sizes: number[]) => {
    const parts: string[] = [];
    let at = 0;
    for (const size of sizes) {
      const part = body.slice(at, at + size);
      if (part.length === 0) break;
      parts.push(`${Buffer.byteLength(part).toString(16)}\r\n${part}\r\n`);
      at += size;
    }
    if (at < body.length) parts.push(`${Buffer.byteLength(body.slice(at)).toString(16)}\r\n${body.slice(at)}\r\n`);
    return `${parts.join("")}0\r\n\r\n`;
  };

  it("accepts Transfer-Encoding: chunked with a signature over the whole body, and stores the whole body", async () => {
    const body = nextBody();
    const before = await storedCount();
    const res = await post(
      chunked(body, [1, 7, 30]),
      ["Transfer-Encoding: chunked", `X-Hub-Signature-256: ${sha256Of(body)}`],
      "none",
    );
    expect(res.status, res.body).toBe(200);
    expect(await storedCount()).toBe(before + 1);
    expect(Buffer.from((await lastStored()).body, "base64").toString()).toBe(body);
  });

  it("refuses a chunked body whose signature covers only its first chunk", async () => {
    const body = nextBody();
    const before = await storedCount();
    const res = await post(
      chunked(body, [40]),
      ["Transfer-Encoding: chunked", `X-Hub-Signature-256: ${sha256Of(body.slice(0, 40))}`],
      "none",
    );
    expect(res.status).toBe(403);
    expect(JSON.parse(res.body).error.code).toBe("IGDM_ERR_SIGNATURE_INVALID");
    expect(await storedCount()).toBe(before);
  });

  it("refuses Content-Length and Transfer-Encoding together (request smuggling) without publishing", async () => {
    const body = nextBody();
    const before = await storedCount();
    const res = await post(
      chunked(body, [50]),
      ["Transfer-Encoding: chunked", "Content-Length: 10", `X-Hub-Signature-256: ${sha256Of(body)}`],
      "none",
    );
    expect(res.status).toBe(400);
    expect(await storedCount()).toBe(before);
  });
});

describe("secrets", () => {
  it("appear in no answer and no log line of this file's requests", () => {
    expect(answers.length).toBeGreaterThan(20);
    expect(logLines.some((l) => l.includes("webhook rejected"))).toBe(true);
    const leaks = leakedHarnessSecrets(
      answers.map((a, i) => ({ where: `answer ${i}`, text: a.raw })),
      logLines,
    );
    expect(leaks).toEqual([]);
  });
});
