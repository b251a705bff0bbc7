/** Terminal output of the command lines: progress bars and text tables. */
export * from "./progress.js";
export * from "./table.js";
