/**
 * The cost model: dollars per night and per million alerts of a broker instance, by component,
 * for our design and the reference design (docs/cost.md). Pure; its inputs are two data files.
 */
export * from "./data.js";
export * from "./model.js";
export { alertFunctionSizes, memoryGib } from "./sizes.js";
