export * from "./consumers.js";
export * from "./duration.js";
export * from "./schemas/dead-letter.js";
export * from "./schemas/raw-webhook.js";
export * from "./streams.js";
export * from "./topology.js";
