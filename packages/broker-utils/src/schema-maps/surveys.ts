/** The surveys this broker has a schema map for; a stack's survey must be one of them. */
export const SURVEYS = ["ztf", "lsst", "decat", "elasticc"] as const;

export type Survey = (typeof SURVEYS)[number];

export function isSurvey(value: string): value is Survey {
  return (SURVEYS as readonly string[]).includes(value);
}
