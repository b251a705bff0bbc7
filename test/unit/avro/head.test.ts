/** Reading only the head of a datum, and the single record of a container, on real ZTF alerts. */
import { describe, expect, it } from "vitest";
import {
  decodeHead,
  decodeSingleRecordContainer,
  encodeContainer,
  readContainerHeader,
  singleRecordData,
} from "@pgb/broker-utils/avro";
import { readData } from "@pgb/test-data";

const ZTF = "ztf/alerts/v4.02/2695378462115010012.avro";

describe("singleRecordData", () => {
  const bytes = readData(ZTF);
  const header = readContainerHeader(bytes, ZTF);

  it("gives the one record's bytes of a ZTF alert container", () => {
    const data = singleRecordData(bytes, header)!;
    const full = decodeSingleRecordContainer(bytes, ZTF);
    expect(full.schema.type.decode(data, 0).value).toEqual(full.record);
  });

  it("gives nothing for a container cut short or holding two records", () => {
    expect(singleRecordData(bytes.subarray(0, bytes.length - 1), header)).toBeUndefined();
    const { schema, record } = decodeSingleRecordContainer(bytes, ZTF);
    const two = encodeContainer(header.schemaText, schema, [record, record]);
    expect(singleRecordData(two, readContainerHeader(two, "two"))).toBeUndefined();
  });
});

describe("decodeHead", () => {
  const bytes = readData(ZTF);
  const { schema, record } = decodeSingleRecordContainer(bytes, ZTF);
  const data = singleRecordData(bytes, readContainerHeader(bytes, ZTF))!;
  const full = record as { objectId: string; candid: bigint; candidate: { jd: number } };

  it("reads only the fields on the paths, 64-bit ids exact", () => {
    expect(decodeHead(data, schema, [["objectId"], ["candid"]])).toEqual({
      objectId: full.objectId,
      candid: full.candid,
    });
    expect(decodeHead(data, schema, [["candidate", "jd"]])).toEqual({
      candidate: { jd: full.candidate.jd },
    });
  });

  it("stops where the head ends: a value cut after it still reads, one cut inside it does not", () => {
    expect(decodeHead(data.subarray(0, 64), schema, [["objectId"], ["candid"]])).toMatchObject({
      objectId: full.objectId,
    });
    expect(decodeHead(data.subarray(0, 10), schema, [["objectId"], ["candid"]])).toBeUndefined();
  });
});
