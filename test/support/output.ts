/**
 * Captures what a CLI command writes to stdout and stderr during a test (the spies are restored by
 * the test file's `vi.restoreAllMocks()`).
 */
import { vi } from "vitest";

export function captureOutput(): { out: () => string; err: () => string } {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(process.stdout, "write").mockImplementation((s) => (out.push(String(s)), true));
  vi.spyOn(process.stderr, "write").mockImplementation((s) => (err.push(String(s)), true));
  return { out: () => out.join(""), err: () => err.join("") };
}
