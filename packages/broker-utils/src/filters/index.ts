/** The value-added filters of broker-spec §6: purity and extragalactic transient. */
export {
  extragalacticTransientFilter,
  purityFilter,
  runFilters,
  type CriterionResult,
  type FilterResult,
  type FilterResults,
} from "./filters.js";
