/**
 * Plots rendered without a browser: the SALT2 light-curve plot as SVG and PNG.
 */
import { renderVegaLite, type RenderedPlot } from "./render.js";
import { salt2PlotSpec, type Salt2PlotInput } from "./vega-lite-spec.js";

export { renderVegaLite, type RenderedPlot } from "./render.js";
export { PLOT_ZP, fitSummaryLines, salt2PlotSpec, type Salt2PlotInput } from "./vega-lite-spec.js";

/** The SALT2 light-curve plot of a fit as SVG and PNG. */
export function renderSalt2Plot(input: Salt2PlotInput): Promise<RenderedPlot> {
  return renderVegaLite(salt2PlotSpec(input));
}
