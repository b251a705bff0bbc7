/**
 * HEALPix pixel indices in the NESTED scheme from right ascension and declination in degrees
 * (Górski et al. 2005, ApJ 622, 759), as pittgoogle-client puts them on every alert it handles
 * (`healpix9`, `healpix19`, `healpix29`, computed there by hpgeom). An order-29 index needs 62
 * bits, so indices are bigints; the floating-point steps follow HEALPix's own `ang2pix` in the
 * same order, so the pixels agree with hpgeom's to the bit (checked by
 * test/integration/python against hpgeom on every sample alert and random positions).
 */

/** HEALPix orders of the attributes (pittgoogle-client's). */
export const HEALPIX_ORDERS = [9, 19, 29] as const;
export const MAX_ORDER = 29;

const TWO_OVER_PI = 2 / Math.PI;
const TWO_THIRDS = 2 / 3;

/** The bits of `v` (below 2^29) moved to the even positions of the result. */
function spreadBits(v: number): bigint {
  let out = 0n;
  let bit = 0n;
  for (let rest = v; rest > 0; rest = Math.floor(rest / 2), bit += 2n) {
    if (rest % 2 === 1) out |= 1n << bit;
  }
  return out;
}

function nestIndex(nside: number, ix: number, iy: number, face: number): bigint {
  const n = BigInt(nside);
  return BigInt(face) * n * n + spreadBits(ix) + (spreadBits(iy) << 1n);
}

/** Pixel of the equatorial belt (|z| ≤ 2/3): the edge lines through the point give face and x, y. */
function equatorial(nside: number, z: number, tt: number): bigint {
  const t1 = nside * (0.5 + tt);
  const t2 = nside * (z * 0.75);
  const jp = Math.trunc(t1 - t2); // ascending edge line
  const jm = Math.trunc(t1 + t2); // descending edge line
  const ifp = Math.floor(jp / nside);
  const ifm = Math.floor(jm / nside);
  const face = ifp === ifm ? ifp | 4 : ifp < ifm ? ifp : ifm + 8;
  return nestIndex(nside, jm % nside, nside - (jp % nside) - 1, face);
}

/** Pixel of a polar cap; near the pole sin θ keeps the precision that 1 − |z| loses. */
function polar(nside: number, z: number, sinTheta: number | undefined, tt: number): bigint {
  const za = Math.abs(z);
  const ntt = Math.min(3, Math.trunc(tt));
  const tp = tt - ntt;
  const tmp =
    za < 0.99 || sinTheta === undefined
      ? nside * Math.sqrt(3 * (1 - za))
      : (nside * sinTheta) / Math.sqrt((1 + za) / 3);
  const jp = Math.min(Math.trunc(tp * tmp), nside - 1);
  const jm = Math.min(Math.trunc((1 - tp) * tmp), nside - 1);
  return z >= 0
    ? nestIndex(nside, nside - jm - 1, nside - jp - 1, ntt)
    : nestIndex(nside, jp, jm, ntt + 8);
}

/**
 * The NESTED pixel index at `order` (0…29) of the point (ra, dec) in degrees; ra in [0, 360],
 * dec in [−90, 90] (hpgeom's ranges). Throws a RangeError naming the bad argument.
 */
export function healpixNested(ra: number, dec: number, order: number): bigint {
  if (!Number.isInteger(order) || order < 0 || order > MAX_ORDER) {
    throw new RangeError(`HEALPix order ${order} is not an integer in 0…${MAX_ORDER}`);
  }
  if (!(ra >= 0 && ra <= 360)) throw new RangeError(`ra ${ra} is not in [0, 360] degrees`);
  if (!(dec >= -90 && dec <= 90)) throw new RangeError(`dec ${dec} is not in [-90, 90] degrees`);
  const nside = 2 ** order;
  // (x * π) / 180, not x * (π / 180): the rounding of hpgeom's degree conversion
  const theta = (-dec * Math.PI) / 180 + Math.PI / 2;
  const z = Math.cos(theta);
  const tt = (((ra * Math.PI) / 180) * TWO_OVER_PI) % 4;
  if (Math.abs(z) <= TWO_THIRDS) return equatorial(nside, z, tt);
  // HEALPix uses sin θ only away from the poles' last 0.01 rad, as hpgeom's ang2pix does
  const nearPole = theta < 0.01 || theta > 3.14159 - 0.01;
  return polar(nside, z, nearPole ? undefined : Math.sin(theta), tt);
}
