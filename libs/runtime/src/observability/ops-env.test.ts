import { describe, expect, it } from "vitest";
import { z } from "zod";
import { parseEnv } from "../env.js";
import { OPS_PORTS, opsEnv } from "./ops-env.js";

const Env = z.object(opsEnv(OPS_PORTS.persister));

describe("opsEnv", () => {
  it("defaults to the service's own port on localhost; blank means unset", () => {
    expect(parseEnv(Env, {})).toEqual({ OPS_HOST: "127.0.0.1", OPS_PORT: 9103 });
    expect(parseEnv(Env, { OPS_HOST: "", OPS_PORT: "" })).toEqual({ OPS_HOST: "127.0.0.1", OPS_PORT: 9103 });
  });

  it("takes 0 (any free port) and a container's 0.0.0.0, and refuses a bad port", () => {
    expect(parseEnv(Env, { OPS_HOST: "0.0.0.0", OPS_PORT: "0" })).toEqual({ OPS_HOST: "0.0.0.0", OPS_PORT: 0 });
    expect(() => parseEnv(Env, { OPS_PORT: "70000" })).toThrow(/OPS_PORT/);
  });
});
