/**
 * The verdict check of the table-driven filter tests: `failing` lists every criterion that fails,
 * those in `purity` belong to the purity filter, the others to the extragalactic one.
 */
import { expect } from "vitest";
import type { Alert } from "@pgb/broker-utils/alerts";
import { runFilters, type FilterResult } from "@pgb/broker-utils/filters";

function failed(result: FilterResult): string[] {
  return Object.entries(result.reasons)
    .filter(([, reason]) => !reason.pass)
    .map(([criterion]) => criterion);
}

export function expectVerdicts(
  alert: Alert,
  failing: readonly string[],
  purity: readonly string[],
): void {
  const { pure, extragalacticTransient } = runFilters(alert);
  expect(failed(pure)).toEqual(failing.filter((c) => purity.includes(c)));
  expect(failed(extragalacticTransient)).toEqual(failing.filter((c) => !purity.includes(c)));
  expect(pure.pass).toBe(!failing.some((c) => purity.includes(c)));
  expect(extragalacticTransient.pass).toBe(failing.every((c) => purity.includes(c)));
  expect([pure.applicable, extragalacticTransient.applicable]).toEqual([true, true]);
}
