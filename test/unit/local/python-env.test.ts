import { describe, expect, it } from "vitest";
import { pythonEnv, serviceEndpoints } from "../../../local/src/services/index.js";

describe("pgb local env --python", () => {
  const endpoints = serviceEndpoints();

  it("gives google-cloud-bigquery the API root: it adds /bigquery/v2 itself", () => {
    expect(endpoints.bigqueryHost).toBe("http://127.0.0.1:9050/bigquery/v2");
    expect(pythonEnv(endpoints, "pgb-local")).toEqual({
      PUBSUB_EMULATOR_HOST: "127.0.0.1:8085",
      STORAGE_EMULATOR_HOST: "http://127.0.0.1:4443",
      PGB_BIGQUERY_API_ENDPOINT: "http://127.0.0.1:9050",
      GOOGLE_CLOUD_PROJECT: "pgb-local",
      GCE_METADATA_HOST: "127.0.0.1:1",
      GCE_METADATA_IP: "127.0.0.1:1",
    });
  });
});
