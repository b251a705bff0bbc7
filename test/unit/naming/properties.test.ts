/** Property tests over random valid survey / testid / project combinations. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  NAME_RULES,
  NamingError,
  SERVICE_ACCOUNT_ROLES,
  instanceNames,
  maxTestidLength,
  type ResourceName,
} from "@pgb/broker-utils/naming";
import { SURVEYS } from "@pgb/broker-utils/schema-maps";

const survey = fc.constantFrom(...SURVEYS);
const lower = "abcdefghijklmnopqrstuvwxyz";
const token = (max: number) =>
  fc
    .tuple(
      fc.constantFrom(...lower),
      fc.string({ unit: fc.constantFrom(...`${lower}0123456789`), maxLength: max - 1 }),
    )
    .map(([a, b]) => a + b);
const project = fc
  .tuple(
    fc.constantFrom(...lower),
    fc.string({ unit: fc.constantFrom(...`${lower}0123456789-`), minLength: 4, maxLength: 28 }),
    fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz0123456789"),
  )
  .map(([a, b, c]) => a + b + c)
  .filter((p) => !p.includes("google"));

/** A valid instance: the testid fits the survey and project. */
const instance = fc.tuple(survey, project).chain(([s, p]) =>
  fc.record({
    survey: fc.constant(s),
    project: fc.constant(p),
    testid: fc.option(token(maxTestidLength(s, p)), { nil: null }),
  }),
);

function checkRule(r: ResourceName): void {
  const rule = NAME_RULES[r.kind];
  expect(r.name.length, r.name).toBeGreaterThanOrEqual(rule.min);
  expect(r.name.length, r.name).toBeLessThanOrEqual(rule.max);
  expect(r.name, r.kind).toMatch(rule.pattern);
  expect(rule.reserved?.(r.name)).toBeUndefined();
}

describe("naming properties", () => {
  it("derives names that pass their kind's rule", () => {
    fc.assert(
      fc.property(instance, (k) => {
        for (const r of instanceNames(k)) checkRule(r);
      }),
    );
  });

  it("puts no testid in production names and the testid at the end of test names", () => {
    fc.assert(
      fc.property(instance, (k) => {
        const names = instanceNames(k);
        const production = instanceNames({ ...k, testid: null });
        for (const [i, r] of names.entries()) {
          const base = production[i]?.name ?? "";
          if (k.testid === null || r.kind === "table") expect(r.name).toBe(base);
          else expect(r.name).toBe(`${base}${NAME_RULES[r.kind].separator}${k.testid}`);
        }
      }),
    );
  });

  it("gives distinct names within a kind and across topics/subscriptions, and distinct instances distinct names", () => {
    fc.assert(
      fc.property(instance, token(8), (k, other) => {
        const names = instanceNames(k);
        const pubsub = names.filter((r) =>
          ["topic", "deadLetterTopic", "subscription"].includes(r.kind),
        );
        expect(new Set(pubsub.map((r) => r.name)).size).toBe(pubsub.length);
        for (const kind of Object.keys(NAME_RULES)) {
          const same = names.filter((r) => r.kind === kind).map((r) => r.name);
          expect(new Set(same).size, kind).toBe(same.length);
        }
        fc.pre(other !== k.testid && other.length <= maxTestidLength(k.survey, k.project));
        const mine = new Set(names.filter((r) => r.kind !== "table").map((r) => r.name));
        for (const r of instanceNames({ ...k, testid: other })) {
          if (r.kind !== "table") expect(mine.has(r.name), r.name).toBe(false);
        }
      }),
    );
  });

  it("rejects any testid longer than maxTestidLength, naming the longest that fits the failing name", () => {
    fc.assert(
      fc.property(survey, project, fc.integer({ min: 1, max: 10 }), (s, p, extra) => {
        const max = maxTestidLength(s, p);
        const testid = "a".repeat(max + extra);
        let message = "";
        try {
          instanceNames({ survey: s, project: p, testid });
        } catch (err) {
          expect(err).toBeInstanceOf(NamingError);
          message = (err as Error).message;
        }
        const fits = Number(/the longest testid that fits is (\d+) characters/.exec(message)?.[1]);
        expect(fits).toBeGreaterThanOrEqual(max);
        expect(fits).toBeLessThan(testid.length);
      }),
    );
  });

  it("keeps every service-account id within 6–30 for the shortest survey in production", () => {
    for (const role of SERVICE_ACCOUNT_ROLES) {
      expect(`ztf-${role}`.length).toBeGreaterThanOrEqual(NAME_RULES.serviceAccount.min);
    }
  });
});
