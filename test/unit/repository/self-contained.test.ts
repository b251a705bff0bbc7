/**
 * A clone is the whole project: no file reads or cites material outside the repository (the
 * private kit that used to sit beside it, or its specification documents).
 */
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const REPO = fileURLToPath(new URL("../../..", import.meta.url));
const SKIP_DIRS = new Set(["node_modules", ".git", "dist", ".run"]);
const BINARY_DATA = join(REPO, "test", "data");
const TEXT = /\.(ts|mts|mjs|js|json|md|py|sh|yaml|yml|ipynb|tsv|txt)$|^(run|Dockerfile)$/;
// Spelled in pieces so that this file does not match itself.
const FORBIDDEN = [
  ["..", "shared"].join("/"),
  ["broker", "spec"].join("-"),
  ["salt2", "spec"].join("-"),
];

function textFiles(dir: string, found: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (!SKIP_DIRS.has(name) && path !== BINARY_DATA) textFiles(path, found);
    } else if (TEXT.test(name)) found.push(path);
  }
  return found;
}

describe("the repository is self-contained", () => {
  it("names no path or document outside it", () => {
    const hits: string[] = [];
    for (const path of textFiles(REPO)) {
      const text = readFileSync(path, "utf8");
      for (const word of FORBIDDEN) {
        if (text.includes(word)) hits.push(`${relative(REPO, path)}: ${word}`);
      }
    }
    expect(hits).toEqual([]);
  });
});
