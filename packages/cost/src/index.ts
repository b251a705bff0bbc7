/**
 * The cost model: dollars per night and per million alerts of a broker instance, by component,
 * for each design it compares (docs/cost.md). Pure; its inputs are two data files.
 */
export * from "./data.js";
export * from "./model.js";
export * from "./designs.js";
export { alertFunctionSizes, deployedDesign, memoryGib } from "./sizes.js";
