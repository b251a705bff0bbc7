/** The value-added filters of docs/spec/broker.md §6: purity and extragalactic transient. */
export {
  extragalacticTransientFilter,
  purityFilter,
  runFilters,
  type FilterResults,
} from "./filters.js";
export type { CriterionResult, FilterResult } from "./criteria.js";
