import { describe, expect, it } from "vitest";
import { MetaError } from "./errors.js";
import { parseFields, project } from "./fields.js";

describe("parseFields", () => {
  it("parses flat and nested fields", () => {
    expect(parseFields("id, name,instagram_business_account{id,username}")).toEqual([
      { name: "id", sub: undefined },
      { name: "name", sub: undefined },
      {
        name: "instagram_business_account",
        sub: [
          { name: "id", sub: undefined },
          { name: "username", sub: undefined },
        ],
      },
    ]);
  });

  it("ignores modifiers and trailing commas", () => {
    expect(parseFields("accounts.limit(10){id},").map((f) => f.name)).toEqual(["accounts"]);
  });

  it("refuses unbalanced braces", () => {
    expect(() => parseFields("a{b")).toThrow(MetaError);
    expect(() => parseFields("a}b")).toThrow(MetaError);
  });
});

describe("project", () => {
  it("always includes id, omits undefined fields, refuses unknown ones", () => {
    const resolvers = { id: () => "1", name: () => "N", empty: () => undefined };
    expect(project("User", "1", parseFields("name,empty"), resolvers)).toEqual({ name: "N", id: "1" });
    expect(() => project("User", "1", parseFields("nope"), resolvers)).toThrow(/nonexisting field \(nope\)/);
  });
});
