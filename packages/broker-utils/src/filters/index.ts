/** The value-added filters of docs/spec/broker.md §6: purity and extragalactic transient. */
export {
  extragalacticTransientFilter,
  purityFilter,
  runFilters,
  type CriterionResult,
  type FilterResult,
  type FilterResults,
} from "./filters.js";
