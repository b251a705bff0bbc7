import { describe, expect, it } from "vitest";
import { createLogger, levelFromEnv, type Severity } from "@pgb/broker-utils/log";

function capture(level: Severity = "DEBUG") {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger(
    { component: "test" },
    {
      level,
      sink: (line) => lines.push(JSON.parse(line) as Record<string, unknown>),
    },
  );
  return { lines, logger };
}

describe("structured logger", () => {
  it("writes one JSON object with Cloud Logging's severity and message keys", () => {
    const { lines, logger } = capture();
    logger.warning("duplicate x", { candid: 1642404680815015001n });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      severity: "WARNING",
      message: "duplicate x",
      component: "test",
      candid: "1642404680815015001",
    });
  });

  it("drops lines below the minimum level and merges child fields", () => {
    const { lines, logger } = capture("INFO");
    logger.debug("hidden");
    logger.child({ stage: "bq-sink" }).critical("boom");
    expect(lines.map((l) => [l["severity"], l["stage"]])).toEqual([["CRITICAL", "bq-sink"]]);
  });

  it("rejects an unknown LOG_LEVEL with the accepted values", () => {
    expect(() => levelFromEnv({ LOG_LEVEL: "loud" })).toThrowError(/DEBUG, INFO/);
  });
});
