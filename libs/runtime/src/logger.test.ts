import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger, requestSerializer } from "./logger.js";

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  return { lines, log: createLogger({ service: "test", level: "debug", destination }) };
}

describe("logger", () => {
  it("redacts tokens, secrets, signatures, signed requests, bodies and cookies wherever they appear one level deep", () => {
    const { lines, log } = capture();
    log.info(
      {
        token: "EAAB-secret-1",
        page: { access_token: "EAAB-secret-2", id: "p1" },
        req: { headers: { "x-hub-signature-256": "sha256=abc-secret-3", cookie: "sid=secret-4" } },
        config: { appSecret: "secret-5", password: "secret-6" },
        signed_request: "sig-secret-7.payload",
        form: { signed_request: "sig-secret-8.payload", body: "signed_request=secret-9" },
      },
      "hello",
    );
    const out = lines.join("");
    for (const s of [
      "secret-1",
      "secret-2",
      "secret-3",
      "secret-4",
      "secret-5",
      "secret-6",
      "secret-7",
      "secret-8",
      "secret-9",
    ]) {
      expect(out).not.toContain(s);
    }
    expect(JSON.parse(out)).toMatchObject({ service: "test", page: { id: "p1", access_token: "[redacted]" } });
  });

  it("keeps error codes readable", () => {
    const { lines, log } = capture();
    const err = Object.assign(new Error("boom"), { code: "ECONNREFUSED" });
    log.error({ err }, "failed");
    expect(JSON.parse(lines[0]!).err.code).toBe("ECONNREFUSED");
  });

  it("logs request paths without their query string", () => {
    expect(requestSerializer({ method: "GET", url: "/webhook?hub.verify_token=s3cret&hub.challenge=1" })).toEqual({
      id: undefined,
      method: "GET",
      path: "/webhook",
      ip: undefined,
    });
  });
});
