/**
 * The instance keywords (survey, testid, project) and the stack name that carries the first two.
 * Production is the absence of a testid, held as `null` whatever spelling the input used
 * (absent, "" or the reference's literal "False"), so no caller compares strings to find it.
 */
import { SURVEYS, isSurvey, type Survey } from "../schema-maps/surveys.js";
import { NamingError } from "./errors.js";

export interface InstanceKeywords {
  survey: Survey;
  /** `null` = the production instance. */
  testid: string | null;
  project: string;
}

const TOKEN = /^[a-z][a-z0-9]*$/;
const TOKEN_TEXT = `^[a-z][a-z0-9]*$ (lower-case letters and digits, starting with a letter; no "-", "_" or upper case)`;
const PROJECT = /^[a-z][a-z0-9-]*[a-z0-9]$/;

/** The spellings of "no testid": absent, "" and the reference broker's "False". */
export function isProductionTestid(value: string | null | undefined): boolean {
  return value === undefined || value === null || value === "" || value === "False";
}

export function validateSurvey(value: string): Survey {
  if (!isSurvey(value)) {
    throw new NamingError(
      `unknown survey "${value}": must be one of ${SURVEYS.join(", ")} (the surveys with a schema map)`,
    );
  }
  return value;
}

/** Returns the testid, or `null` for production. */
export function validateTestid(value: string | null | undefined): string | null {
  if (isProductionTestid(value)) return null;
  const testid = value as string;
  if (!TOKEN.test(testid)) {
    throw new NamingError(`invalid testid "${testid}": must match ${TOKEN_TEXT}`);
  }
  return testid;
}

export function validateProject(value: string): string {
  const problems: string[] = [];
  if (value.length < 6 || value.length > 30)
    problems.push(`is ${value.length} characters, not 6–30`);
  if (!PROJECT.test(value)) problems.push(`does not match ${PROJECT.source}`);
  if (value.includes("google")) problems.push(`contains "google"`);
  if (problems.length > 0) {
    throw new NamingError(
      `invalid GCP project id "${value}": it ${problems.join(" and ")} (project ids are 6–30 ` +
        `lower-case letters, digits and "-", start with a letter, end alphanumeric, never contain "google")`,
    );
  }
  return value;
}

export interface ParsedStack {
  survey: Survey;
  testid: string | null;
}

/** `<survey>` is production, `<survey>-<testid>` a test instance; anything else is an error. */
export function parseStack(stack: string): ParsedStack {
  const parts = stack.split("-");
  const [surveyPart, testidPart] = parts;
  if (parts.length > 2 || surveyPart === undefined || surveyPart === "") {
    throw new NamingError(
      `invalid stack name "${stack}": expected "<survey>" (production) or "<survey>-<testid>" ` +
        `(a test instance), split on "-" into 1 or 2 parts, got ${parts.length}; ` +
        `a testid has no "-" and must match ${TOKEN_TEXT}`,
    );
  }
  if (!isSurvey(surveyPart)) {
    throw new NamingError(
      `invalid stack name "${stack}": unknown survey "${surveyPart}": must be one of ${SURVEYS.join(", ")}; ` +
        `a stack is named "<survey>" or "<survey>-<testid>" (Pulumi.dev.yaml is an example to copy ` +
        `to Pulumi.<stack>.yaml)`,
    );
  }
  const survey = surveyPart;
  if (testidPart === undefined) return { survey, testid: null };
  if (isProductionTestid(testidPart)) {
    throw new NamingError(
      `invalid stack name "${stack}": "${testidPart}" is not a testid; the production stack is \`${survey}\``,
    );
  }
  return { survey, testid: validateTestid(testidPart) };
}

/**
 * Checks the optional `broker:survey` / `broker:testid` config against the stack name: the stack
 * name decides, the config may only repeat it.
 */
export function checkStackConfig(
  stack: string,
  parsed: ParsedStack,
  config: { survey?: string | undefined; testid?: string | undefined },
): void {
  if (config.survey !== undefined && config.survey !== parsed.survey) {
    throw new NamingError(
      `config broker:survey is "${config.survey}" but stack "${stack}" is for survey "${parsed.survey}": ` +
        `remove the key or name the stack after the survey`,
    );
  }
  if (config.testid !== undefined && validateTestid(config.testid) !== parsed.testid) {
    throw new NamingError(
      `config broker:testid is "${config.testid}" but stack "${stack}" has testid ` +
        `${parsed.testid === null ? "none (production)" : `"${parsed.testid}"`}: remove the key or rename the stack`,
    );
  }
}

/** Validates all three keywords at once. */
export function instanceKeywords(input: {
  survey: string;
  testid?: string | null | undefined;
  project: string;
}): InstanceKeywords {
  return {
    survey: validateSurvey(input.survey),
    testid: validateTestid(input.testid),
    project: validateProject(input.project),
  };
}
