import { counter } from "@igdm/runtime";

export const eventsPersisted = counter(
  "igdm_events_persisted_total",
  "Domain events written by the persister (committed), by kind",
  ["kind"],
);

export const rowsWritten = counter(
  "igdm_rows_written_total",
  "Rows inserted or updated by the persister, by table (a replay that changes nothing writes none)",
  ["table"],
);

export const userCallbacksApplied = counter(
  "igdm_user_callbacks_applied_total",
  "Deauthorize and data-deletion callbacks applied (committed), by kind",
  ["kind"],
);

export const deadLettersStored = counter(
  "igdm_dead_letters_stored_total",
  "Dead letters read from the DLQ stream and stored in dead_letters (a redelivery counts again)",
);

const tables = new Map<string, string>();

/**
 * The table a write statement targets, read from its text (`insert into x`, `update x`, `delete from x`) once per
 * statement text. The texts are fixed, so the label set is the closed list of tables; anything else is "other".
 */
export function statementTable(statement: unknown): string {
  // postgres.js keeps a query's text in `strings`: the template's parts, or the text of sql.unsafe.
  const strings = (statement as { strings?: string | readonly string[] }).strings;
  const text = typeof strings === "string" ? strings : (strings?.[0] ?? "");
  let table = tables.get(text);
  if (table === undefined) {
    const m = /\b(?:insert\s+into|update|delete\s+from)\s+([a-z_][a-z0-9_]*)/i.exec(text);
    table = m?.[1]?.toLowerCase() ?? "other";
    tables.set(text, table);
  }
  return table;
}

/** Adds each statement's affected rows (`count` of its postgres.js result) to its table. */
export function countRows(statements: readonly unknown[], results: ReadonlyArray<{ count: number }>): void {
  statements.forEach((statement, i) => {
    const count = results[i]?.count ?? 0;
    if (count > 0) rowsWritten.inc({ table: statementTable(statement) }, count);
  });
}
