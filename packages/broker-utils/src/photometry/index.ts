export * from "./epoch.js";
