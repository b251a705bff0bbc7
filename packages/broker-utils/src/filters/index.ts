/** The value-added filters of docs/spec/broker.md §6: purity and extragalactic transient. */
export {
  extragalacticTransientFilter,
  purityFilter,
  runFilters,
  type FilterResults,
} from "./filters.js";
export type { CriterionResult, FilterResult } from "./criteria.js";
export { MIN_PSF_SNR, MIN_RELIABILITY, PIXEL_FLAGS } from "./lsst.js";
