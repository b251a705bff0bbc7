/**
 * A dashboard of the instance model as Cloud Monitoring's dashboard JSON: a two-column mosaic of
 * line charts, each one time-series filter aligned per minute.
 */
import type { DashboardChart, DashboardSpec } from "@pgb/broker-utils/instance";

const COLUMNS = 12;
const WIDTH = 6;
const HEIGHT = 4;
const ALIGNMENT_PERIOD = "60s";

function chartWidget(c: DashboardChart) {
  return {
    title: c.title,
    xyChart: {
      dataSets: [
        {
          plotType: "LINE",
          timeSeriesQuery: {
            timeSeriesFilter: {
              filter: c.filter,
              aggregation: {
                alignmentPeriod: ALIGNMENT_PERIOD,
                perSeriesAligner: c.perSeriesAligner,
                ...(c.crossSeriesReducer === undefined
                  ? {}
                  : { crossSeriesReducer: c.crossSeriesReducer }),
                ...(c.groupByFields === undefined ? {} : { groupByFields: c.groupByFields }),
              },
            },
          },
        },
      ],
    },
  };
}

export function dashboardJson(d: DashboardSpec): string {
  const perRow = COLUMNS / WIDTH;
  return JSON.stringify({
    displayName: d.displayName,
    mosaicLayout: {
      columns: COLUMNS,
      tiles: d.charts.map((c, i) => ({
        xPos: (i % perRow) * WIDTH,
        yPos: Math.floor(i / perRow) * HEIGHT,
        width: WIDTH,
        height: HEIGHT,
        widget: chartWidget(c),
      })),
    },
  });
}
