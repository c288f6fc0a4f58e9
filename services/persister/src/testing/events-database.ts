import { createMigratedTestDatabase, type TestDatabase } from "@igdm/testkit";
import { afterAll, beforeAll, beforeEach } from "vitest";
import { truncateTables } from "./test-events.js";

/**
 * Registers the hooks every write test needs: one migrated database per file, emptied before each test.
 * The returned object reads the database lazily, so it can be declared at module level.
 */
export function useEventsDatabase(): { readonly sql: TestDatabase["sql"] } {
  let db: TestDatabase | undefined;
  beforeAll(async () => {
    db = await createMigratedTestDatabase("igdm_persister");
  });
  afterAll(() => db?.drop());
  beforeEach(() => truncateTables(db!.sql));
  return {
    get sql() {
      return db!.sql;
    },
  };
}
