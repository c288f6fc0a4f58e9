export * from "./graph/index.js";
export * from "./webhook-signature.js";
