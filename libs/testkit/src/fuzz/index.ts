export * from "./fuzz-body.js";
export * from "./garbage-bodies.js";
export * from "./meta-bodies.js";
export * from "./run-property.js";
export * from "./webhook-bodies.js";
export * from "./webhook-requests.js";
