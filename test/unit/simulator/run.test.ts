import { mkdtemp, mkdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  fileSource,
  listAvroFiles,
  simulate,
  type Sink,
  type SimulatedMessage,
} from "@pgb/broker-utils/simulator";

function memorySink(fail = false) {
  const got: SimulatedMessage[] = [];
  const sink: Sink = {
    description: "memory",
    async publish(messages) {
      if (fail) throw new Error("publish refused");
      got.push(...messages);
    },
    close: async () => undefined,
  };
  return { got, sink };
}

async function sampleFolder(n: number) {
  const dir = await mkdtemp(join(tmpdir(), "pgb-sim-"));
  await mkdir(join(dir, "sub"));
  for (let i = 0; i < n; i++) {
    await writeFile(join(dir, i % 2 ? "sub" : "", `a${i}.avro`), Buffer.from(`alert ${i}`));
  }
  await writeFile(join(dir, "notes.txt"), "not an alert");
  return dir;
}

describe("simulate", () => {
  it("publishes planned batches on schedule from files, with synthesised Kafka attributes", async () => {
    const files = await listAvroFiles([await sampleFolder(5)]);
    expect(files).toHaveLength(5);
    const { got, sink } = memorySink();
    let clock = 1_000_000;
    const sleeps: number[] = [];
    const result = await simulate({
      source: fileSource({
        files,
        kafkaTopic: "ztf_20261128_programid1",
        loop: true,
        now: () => clock,
      }),
      sink,
      plan: { perBatch: 3, batches: 4, intervalSeconds: 5 },
      now: () => clock,
      sleep: async (ms) => {
        sleeps.push(ms);
        clock += ms;
      },
    });
    expect(result).toMatchObject({ published: 12, batches: 4, exhausted: false });
    expect(sleeps).toEqual([5000, 5000, 5000]);
    expect(got.map((m) => m.attributes["kafka.offset"])).toEqual(
      Array.from({ length: 12 }, (_, i) => String(i)),
    );
    expect(got[0]!.attributes).toEqual({
      "kafka.topic": "ztf_20261128_programid1",
      "kafka.partition": "0",
      "kafka.offset": "0",
      "kafka.timestamp": "1000000",
    });
    // the 6th message is the first file again (loop)
    expect(got[5]!.data).toEqual(got[0]!.data);
  });

  it("stops early and says so when the files run out", async () => {
    const files = await listAvroFiles([await sampleFolder(4)]);
    const { got, sink } = memorySink();
    const result = await simulate({
      source: fileSource({ files, kafkaTopic: "t" }),
      sink,
      plan: { perBatch: 3, batches: 5, intervalSeconds: 0.001 },
    });
    expect(got).toHaveLength(4);
    expect(result).toMatchObject({ published: 4, batches: 2, exhausted: true });
  });

  it("settles a batch as not published when the sink fails, and reports the error", async () => {
    const settled: boolean[] = [];
    const { sink } = memorySink(true);
    await expect(
      simulate({
        source: {
          take: async () => [{ data: Buffer.from("x"), attributes: {} }],
          settle: async (_m, ok) => {
            settled.push(ok);
          },
          close: async () => undefined,
        },
        sink,
        plan: { perBatch: 1, batches: 1, intervalSeconds: 1 },
      }),
    ).rejects.toThrow("publish refused");
    expect(settled).toEqual([false]);
  });

  it("names a missing alert path", async () => {
    await expect(listAvroFiles(["/nonexistent/alerts"])).rejects.toThrow(
      "alert path /nonexistent/alerts does not exist",
    );
  });
});
