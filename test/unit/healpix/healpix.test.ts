import { describe, expect, it } from "vitest";
import { healpixNested } from "@pgb/broker-utils/healpix";

// [ra, dec, order 9, order 19, order 29], computed by hpgeom 1.6.1 (pittgoogle-client's HEALPix
// library): angle_to_pixel(2**order, ra, dec, nest=True, lonlat=True, degrees=True)
const HPGEOM: [number, number, bigint, bigint, bigint][] = [
  [0.0, 0.0, 1245184n, 1305670057984n, 1369094286720630784n],
  [360.0, 0.0, 1245184n, 1305670057984n, 1369094286720630784n],
  [0.0, 90.0, 262143n, 274877906943n, 288230376151711743n],
  [0.0, -90.0, 2097152n, 2199023255552n, 2305843009213693952n],
  [45.0, 41.8103148957786, 196608n, 206158430208n, 216172782113783808n],
  [359.9999999, 89.99999, 1048575n, 1099511627775n, 1152921504606836215n],
  [123.456, -89.9999999, 2359296n, 2473901162496n, 2594073385365405696n],
  [10.0, 89.5, 262127n, 274860261959n, 288211874044088778n],
  [200.0, -89.5, 2621473n, 2748813824377n, 2882340204710092361n],
  [290.1234567890123, 44.5678901234567, 967199n, 1014182573783n, 1063447506487658683n],
  [294.817214012146, -22.597952031523103, 3078123n, 3227646312586n, 3384432459866491221n],
  [99.81775403022766, -28.5336753947193, 1327616n, 1392106925319n, 1459729911323986944n],
];

describe("healpixNested", () => {
  it.each(HPGEOM)("(%f, %f) is hpgeom's pixel at orders 9, 19, 29", (ra, dec, p9, p19, p29) => {
    expect([9, 19, 29].map((order) => healpixNested(ra, dec, order))).toEqual([p9, p19, p29]);
  });

  it("nests: the order-9 pixel is the order-29 pixel shifted by 2 × 20 bits", () => {
    for (const [ra, dec] of HPGEOM) {
      expect(healpixNested(ra, dec, 29) >> 40n).toBe(healpixNested(ra, dec, 9));
    }
  });

  it("refuses an order or a position it cannot place, naming it", () => {
    expect(() => healpixNested(10, 10, 30)).toThrow(/order 30 is not an integer in 0…29/);
    expect(() => healpixNested(-1, 10, 9)).toThrow(/ra -1 is not in \[0, 360\]/);
    expect(() => healpixNested(10, Number.NaN, 9)).toThrow(/dec NaN is not in \[-90, 90\]/);
  });
});
