export * from "./database.js";
export * from "./fixtures/instagram-webhooks.js";
export * from "./nats.js";
export * from "./nats-server.js";
export * from "./ports.js";
export * from "./service-process.js";
export * from "./tcp-proxy.js";
export * from "./webhook.js";
