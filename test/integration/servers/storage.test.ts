import { storageClient } from "@pgb/broker-utils/gcp";
import { afterAll, describe, expect, it } from "vitest";
import { uniqueName } from "../../support/names.js";
import { servers, TEST_PROJECT } from "../../support/services.js";

describe("Cloud Storage emulator (fake-gcs-server behind its front)", () => {
  const storage = storageClient(TEST_PROJECT);
  const bucketName = uniqueName("bucket");
  const bucket = storage.bucket(bucketName);

  afterAll(async () => {
    await bucket.deleteFiles({ force: true }).catch(() => undefined);
    await bucket.delete().catch(() => undefined);
  });

  it("is the emulator the global setup started, reached by STORAGE_EMULATOR_HOST", () => {
    expect(process.env["STORAGE_EMULATOR_HOST"]).toBe(servers().storageHost);
  });

  it("creates a bucket, uploads (simple and resumable), lists and downloads", async () => {
    await storage.createBucket(bucketName);
    const avro = Buffer.from([0x4f, 0x62, 0x6a, 0x01, 0x00, 0xff, 0x10]);
    await bucket.file("ztf/2026/1642404680815015001.avro").save(avro, {
      resumable: false,
      contentType: "application/avro-binary",
      metadata: { metadata: { candid: "1642404680815015001", objectId: "ZTF21aaa" } },
    });
    const big = Buffer.alloc(300_000, 7);
    await bucket.file("ztf/2026/big.bin").save(big, { resumable: true });

    const [files] = await bucket.getFiles({ prefix: "ztf/2026/" });
    expect(files.map((f) => f.name).sort()).toEqual([
      "ztf/2026/1642404680815015001.avro",
      "ztf/2026/big.bin",
    ]);
    const [downloaded] = await bucket.file("ztf/2026/1642404680815015001.avro").download();
    expect(downloaded.equals(avro)).toBe(true);
    const [bigBack] = await bucket.file("ztf/2026/big.bin").download();
    expect(bigBack.equals(big)).toBe(true);
    const [metadata] = await bucket.file("ztf/2026/1642404680815015001.avro").getMetadata();
    expect(metadata.contentType).toBe("application/avro-binary");
    expect(metadata.metadata).toEqual({ candid: "1642404680815015001", objectId: "ZTF21aaa" });
  });

  it("refuses a second upload with ifGenerationMatch: 0 (412), keeping the first", async () => {
    const file = bucket.file(`once/${uniqueName("obj")}.avro`);
    const options = { resumable: false, preconditionOpts: { ifGenerationMatch: 0 } };
    await file.save("first", options);
    await expect(file.save("second", options)).rejects.toMatchObject({ code: 412 });
    const [content] = await file.download();
    expect(content.toString()).toBe("first");
  });
});
