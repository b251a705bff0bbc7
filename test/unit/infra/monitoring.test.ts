/** The dashboard per instance and the alert policies' notification channels. */
import { beforeAll, describe, expect, it } from "vitest";
import { CHANNEL, ofType, runStack, stackConfig, T, type Run } from "./harness.js";

interface Chart {
  title: string;
  xyChart: {
    dataSets: {
      timeSeriesQuery: {
        timeSeriesFilter: {
          filter: string;
          aggregation: { perSeriesAligner: string; groupByFields?: string[] };
        };
      };
    }[];
  };
}

function dashboard(run: Run): { displayName: string; charts: Chart[] } {
  const [d, ...more] = ofType(run, T.dashboard);
  expect(more).toEqual([]);
  const json = JSON.parse(String(d?.inputs["dashboardJson"])) as {
    displayName: string;
    mosaicLayout: { tiles: { widget: Chart }[] };
  };
  return { displayName: json.displayName, charts: json.mosaicLayout.tiles.map((t) => t.widget) };
}

const filterOf = (c: Chart | undefined) =>
  c?.xyChart.dataSets[0]?.timeSeriesQuery.timeSeriesFilter.filter ?? "";

describe("ztf-mytestid: dashboard", () => {
  let run: Run;
  beforeAll(async () => {
    run = await runStack("ztf-mytestid");
  }, 120_000);
  const chart = (title: RegExp) => dashboard(run).charts.find((c) => title.test(c.title));

  it("is one dashboard named by the naming module", () => {
    expect(dashboard(run).displayName).toBe("ztf-broker-mytestid");
  });

  it("charts every stream, function, subscription, table and log metric of this instance", () => {
    const titles = dashboard(run).charts.map((c) => c.title);
    expect(titles).toEqual([
      "Alerts per minute per stream",
      "Backlog per processing subscription (messages)",
      "Oldest unacked message per processing subscription (s)",
      "Dead-lettered per minute",
      "Dead-letter reservoirs (messages held)",
      "Kafka lag of the consumer (messages, p99 of its stats lines)",
      "Function executions per minute",
      "Function errors per minute (non-2xx)",
      "Function latency p99 (ms)",
      "BigQuery rows per minute per table",
      "SALT2 fits skipped per minute by reason",
    ]);
    expect(filterOf(chart(/^Alerts per minute/))).toContain(
      'resource.labels.topic_id=one_of("ztf-alerts-mytestid", "ztf-alert_avros-mytestid", ' +
        '"ztf-alerts_pure-mytestid", "ztf-exgalac_trans-mytestid", "ztf-salt2-mytestid")',
    );
    expect(filterOf(chart(/^Oldest unacked/))).toContain("ztf-alert_avros-bq-sink-mytestid");
    expect(filterOf(chart(/^Dead-letter reservoirs/))).toContain(
      "ztf-value-added-deadletter-reservoir-mytestid",
    );
    expect(filterOf(chart(/^Function errors/))).toMatch(
      /run.googleapis.com\/request_count.*ztf-value-added-mytestid.*NOT metric.labels.response_code_class="2xx"/,
    );
    expect(filterOf(chart(/^BigQuery rows/))).toContain(
      'resource.labels.dataset_id="ztf_alerts_mytestid"',
    );
    expect(filterOf(chart(/^Kafka lag/))).toContain(
      "logging.googleapis.com/user/ztf-kafka-lag-mytestid",
    );
    expect(filterOf(chart(/^SALT2/))).toContain(
      "logging.googleapis.com/user/ztf-salt2-skipped-mytestid",
    );
  });

  it("has a log-based distribution of the consumer's Kafka lag", () => {
    const lag = ofType(run, T.logMetric).find((m) => m.inputs["name"] === "ztf-kafka-lag-mytestid");
    expect(lag?.inputs).toMatchObject({
      valueExtractor: "EXTRACT(jsonPayload.lagTotal)",
      metricDescriptor: { metricKind: "DELTA", valueType: "DISTRIBUTION" },
    });
    expect(lag?.inputs["filter"]).toContain('jsonPayload.event="consumer-stats"');
  });

  it("turns a test instance's alert policies off when it names no channel", () => {
    for (const p of ofType(run, T.alertPolicy)) {
      expect(p.inputs).toMatchObject({ enabled: false });
      expect(p.inputs["notificationChannels"] ?? []).toEqual([]);
    }
  });
});

describe("ztf-mytestid: a failed VM boot", () => {
  it("raises an alert from the startup script's line, which the guest agent forwards", async () => {
    const run = await runStack("ztf-mytestid", {
      "broker:notificationChannels": JSON.stringify([CHANNEL]),
    });
    const policy = ofType(run, T.alertPolicy).find(
      (p) => p.inputs["displayName"] === "ztf-vm-boot-failed-mytestid",
    );
    expect(policy?.inputs).toMatchObject({
      enabled: true,
      notificationChannels: [CHANNEL],
      alertStrategy: { notificationRateLimit: { period: "300s" } },
    });
    const conditions = policy?.inputs["conditions"] as {
      conditionMatchedLog: { filter: string };
    }[];
    expect(conditions).toHaveLength(1);
    expect(conditions[0]?.conditionMatchedLog.filter).toBe(
      'resource.type="gce_instance" AND jsonPayload.message:"\\"event\\":\\"vm-boot-failed\\""' +
        ' AND jsonPayload.message:("\\"vm\\":\\"ztf-consumer-mytestid\\"" OR "\\"vm\\":\\"ztf-night-conductor-mytestid\\"")',
    );
  }, 120_000);
});

describe("ztf: alert policies", () => {
  it("are on and notify the configured channels", async () => {
    const run = await runStack("ztf", stackConfig(null));
    const policies = ofType(run, T.alertPolicy);
    expect(policies).toHaveLength(3);
    for (const p of policies) {
      expect(p.inputs).toMatchObject({ enabled: true, notificationChannels: [CHANNEL] });
    }
    expect(dashboard(run).displayName).toBe("ztf-broker");
  }, 120_000);

  it("refuse a production stack without a channel, naming the config key", async () => {
    await expect(runStack("ztf")).rejects.toThrow(
      /config broker:notificationChannels is empty: a production stack's alert policies must notify someone/,
    );
  }, 120_000);

  it("refuse a malformed channel", async () => {
    await expect(
      runStack("ztf-mytestid", {
        "broker:notificationChannels": JSON.stringify(["me@example.org"]),
      }),
    ).rejects.toThrow(
      /broker:notificationChannels has \["me@example.org"\]: each must be projects\//,
    );
  }, 120_000);
});
