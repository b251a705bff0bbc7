/**
 * Loading schema maps: the copy bundled in `data/schema-maps/<survey>.yaml`, or the instance's copy
 * in its broker_files bucket (`schema_maps/<survey>.yaml`, spec §10), which operators may edit and
 * which therefore wins when it exists.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { schemaMapObject } from "../naming/objects.js";
import { SchemaMap } from "./schema-map.js";
import type { Survey } from "./surveys.js";

/**
 * Reads a survey's schema map text from the bucket; undefined when the object does not exist.
 * The gcp module provides the GCS-backed one; tests pass a function.
 */
export type SchemaMapReader = (survey: Survey) => Promise<string | undefined>;

/** Path of the bundled YAML (`data/` sits two levels above `src/schema-maps/` and `dist/schema-maps/`). */
export function bundledSchemaMapPath(survey: Survey): string {
  return fileURLToPath(new URL(`../../data/schema-maps/${survey}.yaml`, import.meta.url));
}

/** The bundled YAML text, e.g. to upload it to the bucket. */
export function bundledSchemaMapText(survey: Survey): string {
  return readFileSync(bundledSchemaMapPath(survey), "utf8");
}

const bundled = new Map<Survey, SchemaMap>();

/** The bundled map of a survey, parsed once. */
export function bundledSchemaMap(survey: Survey): SchemaMap {
  let map = bundled.get(survey);
  if (!map) {
    const path = bundledSchemaMapPath(survey);
    map = SchemaMap.parse(bundledSchemaMapText(survey), survey, path);
    bundled.set(survey, map);
  }
  return map;
}

/**
 * The bucket copy when `reader` finds one, else the bundled copy. A bucket copy that does not parse
 * is an error (an operator's edit must not be ignored silently); a reader failure propagates.
 */
export async function loadSchemaMap(
  survey: Survey,
  options: { reader?: SchemaMapReader } = {},
): Promise<SchemaMap> {
  const text = options.reader ? await options.reader(survey) : undefined;
  if (text === undefined) return bundledSchemaMap(survey);
  return SchemaMap.parse(text, survey, `bucket copy ${schemaMapObject(survey)}`);
}
