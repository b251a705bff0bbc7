/**
 * Bad input through value-added: the ZTF cases of the storage functions' corpus
 * (../storage/corpus.ts) and extragalactic alerts with broken photometry, stored in the alerts bucket
(whose notification feeds value-added: a corrupt stored file is dead-lettered as a corrupt alert).
 * Each ends in exactly one delivery: processed (2xx) or dead-lettered at once with its reason, never
 * a failed delivery that Pub/Sub would retry; the process never restarts; and the kit's
 * extragalactic alerts published after them all reach exgalac_trans.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bigqueryClient, pubsubClient, storageClient } from "@pgb/broker-utils/gcp";
import type { ReceivedMessage } from "@pgb/broker-utils/gcp";
import { serviceEnv } from "@pgb/local";
import { functionHealthy } from "../../../local/src/functions/index.js";
import { reencodedAlert } from "../../fixtures/alerts/reencoded.js";
import { servers } from "../../support/services.js";
import { readData } from "@pgb/test-data";
import { ZTF_KIT } from "@pgb/test-data/ztf-kit";
import { buildCorpus, type CorpusCase } from "../storage/corpus.js";
import {
  collect,
  kafkaAttributes,
  storeAlerts,
  startValueAddedInstance,
  waitFor,
  type ValueAddedInstance,
} from "./support.js";

const clients = { pubsub: pubsubClient(), storage: storageClient(), bigquery: bigqueryClient() };
let instance: ValueAddedInstance;
const exgalac: ReceivedMessage[] = [];

type Expected = { outcome: "processed" } | { outcome: "dead-letter"; reason: string };

interface Case {
  name: string;
  data: Buffer;
  expected: Expected;
}

const PROCESSED: Expected = { outcome: "processed" };
const PRZFG = ZTF_KIT.find((k) => k.objectId === "ZTF21abprzfg")!;

/**
 * value-added decodes the whole alert as the storage functions do: a case both of them dead-letter
 * for the same reason is undecodable, and value-added dead-letters it for that reason too. Every
 * other case decodes and is processed (the filters and SALT2 take odd values as they are).
 */
function fromCorpus(c: CorpusCase): Case {
  const undecodable = c.upload.outcome === "dead-letter" && c.bqSink.outcome === "dead-letter";
  return {
    name: c.name,
    data: c.data,
    expected:
      undecodable && c.upload.outcome === "dead-letter" && c.upload.reason !== "invalid-object-name"
        ? { outcome: "dead-letter", reason: c.upload.reason }
        : PROCESSED,
  };
}

/** ZTF21abprzfg (extragalactic, a good fit) with its photometry edited. */
function exgal(
  name: string,
  edit: (candidate: Record<string, unknown>) => void,
  expected: Expected,
): Case {
  const data = reencodedAlert(PRZFG.file, (record) => {
    edit(record["candidate"] as Record<string, unknown>);
  });
  return { name, data, expected };
}

const CASES: Case[] = [
  ...buildCorpus()
    .filter((c) => c.survey === "ztf")
    .map(fromCorpus),
  exgal("exgal-negative-error", (c) => (c["sigmapsf"] = -0.1), {
    outcome: "dead-letter",
    reason: "salt2-photometry",
  }),
  exgal("exgal-nan-magnitude", (c) => (c["magpsf"] = Number.NaN), PROCESSED),
  exgal("exgal-huge-flux", (c) => (c["magpsf"] = -1e6), PROCESSED),
  // a span of 1e300 days: refused by the fitter (it was an unexpected failure, retried 100 times)
  exgal("exgal-huge-time", (c) => (c["jd"] = 1e300), {
    outcome: "dead-letter",
    reason: "salt2-photometry",
  }),
  exgal("exgal-zero-error", (c) => (c["sigmapsf"] = 0), {
    outcome: "dead-letter",
    reason: "salt2-photometry",
  }),
  exgal("exgal-negative-candid", (c) => (c["candid"] = -1n), PROCESSED),
];
const FIRST_OFFSET = 5000;
const offsetOf = (i: number) => String(FIRST_OFFSET + i);
const GOOD = ZTF_KIT.filter((k) => k.exgal);

/** Per corpus case, the log lines of its deliveries: answered, dead-lettered, or failed. */
function deliveries(lines: readonly Record<string, unknown>[]): Map<string, string[]> {
  const byOffset = new Map<string, string[]>();
  for (const line of lines) {
    const message = String(line["message"]);
    const kind = /^value-added objectId=/.test(message)
      ? "processed"
      : message.startsWith("bad input dead-lettered")
        ? `dead-letter:${String(line["reason"])}`
        : /will be retried/.test(message)
          ? "failed"
          : undefined;
    const offset = line["kafka.offset"];
    if (kind === undefined || typeof offset !== "string") continue;
    byOffset.set(offset, [...(byOffset.get(offset) ?? []), kind]);
  }
  return byOffset;
}

beforeAll(async () => {
  instance = await startValueAddedInstance(clients, serviceEnv(servers()));
  await storeAlerts(
    instance,
    CASES.map((c, i) => ({
      data: c.data,
      attributes: { ...kafkaAttributes(FIRST_OFFSET + i), "test.case": c.name },
    })),
  );
  // the good alerts come after every bad one
  await storeAlerts(
    instance,
    GOOD.map((k, i) => ({ data: readData(k.file), attributes: kafkaAttributes(9000 + i) })),
  );
  await waitFor(
    "a delivery of every case and every good alert on exgalac_trans",
    async () => {
      await collect(clients.pubsub, instance.names.counters.exgalac_trans, exgalac);
      const seen = deliveries(await instance.logLines());
      const missing = CASES.filter((_, i) => !seen.has(offsetOf(i))).map((c) => c.name);
      const ids = new Set(exgalac.map((m) => m.attributes["candid"]));
      const good = GOOD.filter((k) => ids.has(k.sourceId)).length;
      return (
        (missing.length === 0 && good === GOOD.length) ||
        `missing ${missing.join(", ") || "none"}; ${good}/${GOOD.length} good alerts on exgalac_trans`
      );
    },
    150_000,
  );
});

afterAll(async () => {
  await instance?.close();
});

describe(`bad input to value-added: ${CASES.length} cases`, () => {
  it("has at least 30 malformed or odd inputs", () => {
    expect(CASES.length).toBeGreaterThanOrEqual(30);
  });

  it("each case: exactly one delivery, processed or dead-lettered at once with its reason; none retried", async () => {
    const seen = deliveries(await instance.logLines());
    const got = CASES.map((c, i) => [c.name, seen.get(offsetOf(i))]);
    const want = CASES.map((c) => [
      c.name,
      [c.expected.outcome === "processed" ? "processed" : `dead-letter:${c.expected.reason}`],
    ]);
    expect(got).toEqual(want);
  });

  it("the process never restarted, and every good alert published after the bad ones was processed", async () => {
    expect(await functionHealthy(instance.fn)).toBe(true);
    const ids = new Set(exgalac.map((m) => m.attributes["candid"]));
    for (const k of GOOD) expect(ids.has(k.sourceId), k.objectId).toBe(true);
  });
});
