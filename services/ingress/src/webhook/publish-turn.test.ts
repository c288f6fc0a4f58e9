import { describe, expect, it } from "vitest";
import { sameTurn } from "./publish-turn.js";

describe("sameTurn", () => {
  it("hands every caller of one turn the same promise, and a new one once that turn's has resolved", async () => {
    const turn = sameTurn();
    const a = turn();
    expect(turn()).toBe(a);
    await a;
    const b = turn();
    expect(b).not.toBe(a);
    await b;
  });

  it("keeps separate batchers apart", () => {
    expect(sameTurn()()).not.toBe(sameTurn()());
  });
});
