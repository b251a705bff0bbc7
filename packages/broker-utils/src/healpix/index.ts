/** HEALPix NESTED pixel indices of sky positions (the `healpix*` message attributes). */
export { HEALPIX_ORDERS, MAX_ORDER, healpixNested } from "./healpix.js";
