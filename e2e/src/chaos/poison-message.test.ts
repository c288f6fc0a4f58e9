import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ChaosStack, startChaosStack } from "./chaos-stack.js";

const TOTAL = 2000;
const PREFIX = "mid.chaos.poison.";
/** Messages the database refuses by a constraint (SQLSTATE 23514): the same every time. */
const REFUSED = [101, 502, 903, 1304, 1705].map((i) => `${PREFIX}${i}`);
/** Messages whose insert fails with an error nobody classified (a trigger raising P0001): a bug, in effect. */
const CRASHING = [207, 608, 1009, 1410, 1811].map((i) => `${PREFIX}${i}`);
let stack: ChaosStack;

beforeAll(async () => {
  stack = await startChaosStack();
  // Real refusals by the real database, for chosen rows: what a stricter constraint or a broken trigger would do.
  const { sql } = stack.pipeline.db;
  // DDL takes no parameters; the ids are this file's constants.
  const list = (mids: string[]) => mids.map((m) => `'${m}'`).join(",");
  await sql.unsafe(`alter table messages add constraint chaos_poison check (message_id not in (${list(REFUSED)}))`);
  await sql.unsafe(`create function chaos_crash() returns trigger language plpgsql as $$
    begin raise exception 'chaos: this row always fails'; end $$`);
  await sql.unsafe(`create trigger chaos_crash before insert on messages for each row
    when (new.message_id in (${list(CRASHING)})) execute function chaos_crash()`);
}, 120_000);
afterAll(async () => {
  await stack?.stop();
});

describe("poison messages among thousands of good ones", () => {
  it("dead-letters each poison message with its reason and stores every other message exactly once", async () => {
    const deliveries = await stack.load(PREFIX, { total: TOTAL }).done;
    await stack.settle();

    const report = await stack.check("poison messages (constraint violation, failing trigger)", deliveries, {
      midPrefix: PREFIX,
      poison: new Set([...REFUSED, ...CRASHING]),
    });
    expect(await stack.leakedSecrets()).toEqual([]);
    expect(report.acknowledged).toBe(TOTAL);
    expect(report.events).toEqual({ lost: 0, duplicated: 0, unexpected: 0 });
    expect(report.deadLettered).toBe(REFUSED.length + CRASHING.length);
    // The poison is the database's business: the person was still answered, once.
    expect(report.replies).toMatchObject({
      expected: TOTAL,
      atMeta: TOTAL,
      lost: 0,
      duplicated: 0,
      deliveredButRecordedFailed: 0,
    });

    const letters = await stack.pipeline.db.sql<{ reason: string; deliveries: number; body: string }[]>`
      select reason, delivery_count as deliveries, convert_from(payload, 'UTF8') as body from dead_letters`;
    expect(letters).toHaveLength(REFUSED.length + CRASHING.length);
    for (const mid of REFUSED) {
      const letter = letters.find((l) => l.body.includes(mid));
      // A constraint violation is permanent: dead-lettered at its first delivery alone, with the database's words.
      expect(letter?.reason).toMatch(/23514.*chaos_poison/);
    }
    for (const mid of CRASHING) {
      const letter = letters.find((l) => l.body.includes(mid));
      expect(letter?.reason).toMatch(/this row always fails/);
      // Unclassified: retried a few times in case it was passing, then given up on.
      expect(letter?.deliveries).toBeGreaterThan(1);
    }
  });
});
