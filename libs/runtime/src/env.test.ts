import { describe, expect, it } from "vitest";
import { z } from "zod";
import { commonEnv, parseEnv, port, requiredSecret } from "./env.js";
import { ConfigError } from "./errors.js";

const schema = z.object({ ...commonEnv, APP_SECRET: requiredSecret(), PORT: port(3000) });

describe("parseEnv", () => {
  it("applies defaults for everything optional", () => {
    const env = parseEnv(schema, { APP_SECRET: "0123456789" });
    expect(env.PORT).toBe(3000);
    expect(env.NATS_URL).toBe("nats://127.0.0.1:4222");
    expect(env.NATS_NAMESPACE).toBe("");
  });

  it("treats an empty variable as unset", () => {
    expect(parseEnv(schema, { APP_SECRET: "0123456789", PORT: "" }).PORT).toBe(3000);
  });

  it("names every bad variable in one error, without echoing values", () => {
    let error: unknown;
    try {
      parseEnv(schema, { PORT: "http", NATS_URL: "http://x", LOG_LEVEL: "loud", APP_SECRET: "" });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const { problems, message } = error as ConfigError;
    expect(problems.map((p) => p.split(":")[0]).sort()).toEqual(["APP_SECRET", "LOG_LEVEL", "NATS_URL", "PORT"]);
    expect(message).toContain("APP_SECRET: is required");
    expect(message).not.toContain("http://x");
  });

  it("accepts a comma-separated list of cluster URLs", () => {
    const env = parseEnv(schema, { APP_SECRET: "0123456789", NATS_URL: "nats://a:4222,nats://b:4222" });
    expect(env.NATS_URL).toBe("nats://a:4222,nats://b:4222");
  });
});
