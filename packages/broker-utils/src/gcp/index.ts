export * from "./clients.js";
export * from "./errors.js";
export * from "./pubsub.js";
export * from "./storage.js";
export * from "./bigquery.js";
export * from "./notification.js";
