/**
 * Plots rendered without a browser: the SALT2 light-curve plot drawn as an SVG string by our own
 * code (`salt2-figure.ts`) and rasterised to PNG with resvg.
 */
import { rasterise, type RenderedPlot } from "./render.js";
import { salt2PlotData, type Salt2PlotInput } from "./salt2-data.js";
import { salt2Figure } from "./salt2-figure.js";

export { rasterise, type RenderedPlot } from "./render.js";
export {
  PLOT_ZP,
  fitSummaryLines,
  salt2PlotData,
  type BandPanel,
  type PlotPoint,
  type Salt2PlotData,
  type Salt2PlotInput,
} from "./salt2-data.js";
export { salt2Figure, type Salt2Figure } from "./salt2-figure.js";

/** The SALT2 light-curve plot of a fit as SVG and PNG (2× the SVG's size). */
export async function renderSalt2Plot(input: Salt2PlotInput): Promise<RenderedPlot> {
  return rasterise(salt2Figure(salt2PlotData(input)).svg);
}
