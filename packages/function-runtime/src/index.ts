export * from "./message.js";
export * from "./errors.js";
export * from "./adapter.js";
export * from "./alert.js";
export * from "./register.js";
export * from "./stored-alert.js";
