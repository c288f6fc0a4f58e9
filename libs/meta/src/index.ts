export * from "./graph/index.js";
export * from "./signed-request.js";
export * from "./webhook-signature.js";
