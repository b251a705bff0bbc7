import { describe, expect, it } from "vitest";

import { encodePng } from "../../../packages/salt2/src/plot/png.js";
import { decodePng } from "./png-decode.js";

describe("PNG encoding", () => {
  it("round-trips every byte of an RGBA image, rows equal or not", () => {
    const [width, height] = [13, 7];
    const rgba = new Uint8Array(width * height * 4).map((_, i) => (i * 37 + (i >> 5) * 11) & 255);
    rgba.copyWithin(width * 4 * 3, width * 4 * 2, width * 4 * 3); // row 3 repeats row 2
    const png = encodePng(rgba, width, height);
    expect(Buffer.from(png.subarray(1, 4)).toString("latin1")).toBe("PNG");
    expect(decodePng(png)).toEqual({ width, height, rgba });
  });

  it("takes pixels at an odd offset of a larger buffer", () => {
    const backing = new Uint8Array(1 + 3 * 2 * 4).map((_, i) => 255 - i);
    const rgba = backing.subarray(1);
    expect(decodePng(encodePng(rgba, 3, 2)).rgba).toEqual(rgba);
  });

  it("names the sizes when the pixels do not match them", () => {
    expect(() => encodePng(new Uint8Array(10), 2, 2)).toThrow(
      /encodePng: 10 bytes is not 2 × 2 RGBA pixels/,
    );
  });
});
