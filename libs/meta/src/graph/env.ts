import { fromEnv, positiveInt, urlDefault } from "@igdm/runtime";
import { z } from "zod";

/** The Graph API variables every service that calls Meta reads the same way (the tests point them at the sandbox). */
export const graphApiEnv = {
  GRAPH_API_VERSION: fromEnv(
    z
      .string()
      .regex(/^v\d+\.\d+$/)
      .default("v23.0"),
  ),
  GRAPH_API_BASE_URL: urlDefault("https://graph.facebook.com"),
  INSTAGRAM_GRAPH_BASE_URL: urlDefault("https://graph.instagram.com"),
  GRAPH_TIMEOUT_MS: positiveInt(10_000),
};
