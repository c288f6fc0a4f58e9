import { mergeConfig } from "vitest/config";
import { defineProject } from "../vitest.shared.js";

// Whole-pipeline tests start several processes and wait on real I/O.
export default mergeConfig(defineProject(import.meta.dirname), { test: { testTimeout: 120_000 } });
