import type { ReactionChanged } from "@igdm/contracts";
import { describe, expect, it } from "vitest";
import { useEventsDatabase } from "../testing/events-database.js";
import { ACCOUNT, at, ev, permutations, USER } from "../testing/test-events.js";
import { persistEvents } from "./persist-events.js";

const db = useEventsDatabase();

/** Every order of the reactions, each on its own mid and one event per call; returns the distinct end states. */
async function endStates(scenario: (mid: string) => ReactionChanged[]) {
  const orders = permutations(scenario("x").map((_, i) => i));
  const perMid = orders.map((order, p) => order.map((i) => scenario(`mid.p${p}`)[i]!));
  for (let step = 0; step < perMid[0]!.length; step++) {
    await persistEvents(
      db.sql,
      perMid.map((events) => events[step]!),
    );
  }
  const [{ n }] = (await db.sql`select count(*)::int as n from message_reactions`) as unknown as [{ n: number }];
  expect(n).toBe(orders.length);
  return db.sql`select distinct action, reaction, emoji, occurred_at from message_reactions`;
}

const heart = "\u2764\ufe0f";
const laugh = "\u{1f602}";

describe("message reactions", () => {
  it("keeps an unreact as a tombstone that a late, older react cannot resurrect", async () => {
    const states = await endStates((mid) => [
      ev.reaction(mid, "react", { at: 10, emoji: heart }),
      ev.reaction(mid, "unreact", { at: 20 }),
      ev.reaction(mid, "react", { at: 5, emoji: laugh }),
    ]);
    expect(states).toEqual([{ action: "unreact", reaction: null, emoji: null, occurred_at: new Date(at(20)) }]);
  });

  it("lets a newer react replace an unreact, in any order", async () => {
    const states = await endStates((mid) => [
      ev.reaction(mid, "react", { at: 10, emoji: heart }),
      ev.reaction(mid, "react", { at: 30, emoji: laugh }),
      ev.reaction(mid, "unreact", { at: 20 }),
    ]);
    expect(states).toEqual([{ action: "react", reaction: "love", emoji: laugh, occurred_at: new Date(at(30)) }]);
  });

  it("settles two events of the same millisecond the same way whatever their order", async () => {
    const states = await endStates((mid) => [
      ev.reaction(mid, "react", { at: 10, emoji: heart }),
      ev.reaction(mid, "unreact", { at: 10 }),
    ]);
    expect(states).toHaveLength(1);
  });

  it("keeps one row per reactor", async () => {
    await persistEvents(db.sql, [
      ev.reaction("mid.1", "react", { at: 1, emoji: heart }),
      ev.reaction("mid.1", "react", { at: 2, emoji: laugh, senderId: ACCOUNT }),
    ]);
    const rows = await db.sql`select reactor_id, emoji, account_id from message_reactions order by reactor_id`;
    expect(rows).toEqual([
      { reactor_id: ACCOUNT, emoji: laugh, account_id: ACCOUNT },
      { reactor_id: USER, emoji: heart, account_id: ACCOUNT },
    ]);
  });

  it("leaves updated_at alone when an older or repeated event arrives", async () => {
    await persistEvents(db.sql, [ev.reaction("mid.1", "unreact", { at: 20 })]);
    const [before] = await db.sql`select * from message_reactions`;
    await persistEvents(db.sql, [ev.reaction("mid.1", "react", { at: 10 })]);
    await persistEvents(db.sql, [ev.reaction("mid.1", "unreact", { at: 20 })]);
    const [after] = await db.sql`select * from message_reactions`;
    expect(after).toEqual(before);
  });
});
