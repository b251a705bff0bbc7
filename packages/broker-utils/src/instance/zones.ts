/**
 * The Compute Engine zones of each region, the one table the VM zone is checked against.
 * `<region>-a` is not a zone everywhere (europe-west1 has b, c, d; us-east1 b, c, d), so the
 * default zone is the first one listed here, and a configured zone must be one of its region's.
 * Source: https://cloud.google.com/compute/docs/regions-zones (as of 2026-12); update it when
 * Google adds a region (`gcloud compute zones list --filter=region:REGION`).
 */
const LETTERS_ABC = ["a", "b", "c"] as const;

const REGION_ZONE_LETTERS: Readonly<Record<string, readonly string[]>> = {
  "africa-south1": LETTERS_ABC,
  "asia-east1": LETTERS_ABC,
  "asia-east2": LETTERS_ABC,
  "asia-northeast1": LETTERS_ABC,
  "asia-northeast2": LETTERS_ABC,
  "asia-northeast3": LETTERS_ABC,
  "asia-south1": LETTERS_ABC,
  "asia-south2": LETTERS_ABC,
  "asia-southeast1": LETTERS_ABC,
  "asia-southeast2": LETTERS_ABC,
  "australia-southeast1": LETTERS_ABC,
  "australia-southeast2": LETTERS_ABC,
  "europe-central2": LETTERS_ABC,
  "europe-north1": LETTERS_ABC,
  "europe-north2": LETTERS_ABC,
  "europe-southwest1": LETTERS_ABC,
  "europe-west1": ["b", "c", "d"],
  "europe-west2": LETTERS_ABC,
  "europe-west3": LETTERS_ABC,
  "europe-west4": LETTERS_ABC,
  "europe-west6": LETTERS_ABC,
  "europe-west8": LETTERS_ABC,
  "europe-west9": LETTERS_ABC,
  "europe-west10": LETTERS_ABC,
  "europe-west12": LETTERS_ABC,
  "me-central1": LETTERS_ABC,
  "me-central2": LETTERS_ABC,
  "me-west1": LETTERS_ABC,
  "northamerica-northeast1": LETTERS_ABC,
  "northamerica-northeast2": LETTERS_ABC,
  "northamerica-south1": LETTERS_ABC,
  "southamerica-east1": LETTERS_ABC,
  "southamerica-west1": LETTERS_ABC,
  "us-central1": ["a", "b", "c", "f"],
  "us-east1": ["b", "c", "d"],
  "us-east4": LETTERS_ABC,
  "us-east5": LETTERS_ABC,
  "us-south1": LETTERS_ABC,
  "us-west1": LETTERS_ABC,
  "us-west2": LETTERS_ABC,
  "us-west3": LETTERS_ABC,
  "us-west4": LETTERS_ABC,
};

/** The zones of `region`; throws naming `gcp:region` when the table does not know it. */
export function regionZones(region: string): string[] {
  const letters = REGION_ZONE_LETTERS[region];
  if (letters === undefined) {
    throw new Error(
      `config gcp:region is "${region}", which is not a Compute Engine region the broker knows; ` +
        `use one of ${Object.keys(REGION_ZONE_LETTERS).join(", ")} ` +
        "(a new region goes into packages/broker-utils/src/instance/zones.ts)",
    );
  }
  return letters.map((l) => `${region}-${l}`);
}

/** The VM zone: `zone` if it is one of `region`'s, else its first zone when unset. */
export function vmZone(region: string, zone: string | undefined): string {
  const zones = regionZones(region);
  if (zone === undefined) return zones[0]!;
  if (!zones.includes(zone)) {
    throw new Error(
      `config gcp:zone is "${zone}", which is not a zone of gcp:region "${region}"; ` +
        `use one of ${zones.join(", ")} (or leave gcp:zone unset for ${zones[0]})`,
    );
  }
  return zone;
}
