/**
 * test/data is the tests' only data: every file is listed in MANIFEST.tsv with its origin and
 * licence, and is byte for byte what the manifest's SHA-256 says.
 */
import { createHash } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { TEST_DATA, dataFiles, readData } from "@pgb/test-data";

interface Entry {
  path: string;
  size: number;
  sha256: string;
  sourceRepo: string;
  license: string;
}

function manifest(): Entry[] {
  const [header, ...lines] = readData("MANIFEST.tsv").toString("utf8").trimEnd().split("\n");
  expect(header!.split("\t")).toEqual([
    "path",
    "size_bytes",
    "sha256",
    "source_repo",
    "source_commit",
    "source_path",
    "license",
  ]);
  return lines.map((line) => {
    const [path, size, sha256, sourceRepo, , , license] = line.split("\t");
    return {
      path: path!,
      size: Number(size),
      sha256: sha256!,
      sourceRepo: sourceRepo!,
      license: license!,
    };
  });
}

/** The folder is also the package `@pgb/test-data`: its manifest, reader and the kit's verdicts are not data. */
const NOT_DATA = new Set(["MANIFEST.tsv", "package.json", "reader.ts", "ztf-kit.ts"]);
const isReadme = (path: string): boolean => path.endsWith("README.md");

describe("test/data", () => {
  const entries = manifest();

  it("lists every data file once, and nothing that is not there", () => {
    const onDisk = dataFiles(".", "").filter((p) => !NOT_DATA.has(p) && !isReadme(p));
    expect(entries.map((e) => e.path).sort()).toEqual(onDisk);
    expect(new Set(entries.map((e) => e.path)).size).toBe(entries.length);
  });

  it.each(manifest().map((e) => [e.path, e] as const))(
    "%s matches its size and SHA-256",
    (path, e) => {
      const bytes = readData(path);
      expect(bytes.length).toBe(e.size);
      expect(createHash("sha256").update(bytes).digest("hex")).toBe(e.sha256);
      expect(e.sourceRepo).toMatch(/^[\w.-]+\/[\w.-]+$/);
      expect(e.license).not.toBe("");
    },
  );

  it("stays lean (under 15 MB)", () => {
    const total = dataFiles(".", "").reduce(
      (sum, p) => sum + statSync(`${TEST_DATA}/${p}`).size,
      0,
    );
    expect(total).toBeLessThan(15_000_000);
  });

  it("has a README with origin and licence in every top folder", () => {
    for (const folder of ["ztf", "lsst", "elasticc", "lightcurves"]) {
      const readme = readFileSync(`${TEST_DATA}/${folder}/README.md`, "utf8");
      expect(readme, folder).toMatch(/licen[cs]e/i);
      for (const e of entries.filter((x) => x.path.startsWith(`${folder}/`))) {
        expect(readme, `${folder}/README.md names ${e.sourceRepo}`).toContain(e.sourceRepo);
      }
    }
  });
});
