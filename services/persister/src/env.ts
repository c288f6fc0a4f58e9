import { DEFAULT_DATABASE_URL } from "@igdm/db";
import { commonEnv, OPS_PORTS, opsEnv, positiveInt, urlWithScheme } from "@igdm/runtime";
import { z } from "zod";

export const PersisterEnv = z.object({
  ...commonEnv,
  ...opsEnv(OPS_PORTS.persister),
  /** Supabase: the direct connection or the session pooler (the transaction pooler lacks prepared statements). */
  DATABASE_URL: urlWithScheme(["postgres", "postgresql"], DEFAULT_DATABASE_URL),
  DB_POOL_MAX: positiveInt(4),
  /** Events written per transaction under load. */
  PERSISTER_MAX_BATCH: positiveInt(500),
});
export type PersisterEnv = z.infer<typeof PersisterEnv>;
