/**
 * The streams as outside clients read them (docs/python.md): a ZTF and an LSST local instance replay
 * the sample alerts while test/python/outside_clients.py, in a virtualenv of pinned pittgoogle-client,
 * google-cloud-* and fastavro (test/python/setup.sh installs it into ~/.cache/pgb once), pulls a
 * message of every stream through pittgoogle with the settings of `pgb local env --python`. The
 * Python program's exit status is the verdict; a missing Python or a failed install fails the test.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DATA_TOPICS } from "@pgb/broker-utils/naming";
import {
  LocalInstance,
  ensureNightTopic,
  nightStart,
  replay,
  sampleAlerts,
} from "../../../local/src/instance/index.js";
import { pythonEnv } from "../../../local/src/services/index.js";
import { testInstanceOptions } from "../../e2e/support.js";
import { uniqueName } from "../../support/names.js";
import { servers } from "../../support/services.js";

const SETUP = fileURLToPath(new URL("../../python/setup.sh", import.meta.url));
const PROGRAM = fileURLToPath(new URL("../../python/outside_clients.py", import.meta.url));

/** The virtualenv's python, installed on first use; throws setup.sh's explanation otherwise. */
function venvPython(): string {
  const setup = spawnSync("bash", [SETUP], { encoding: "utf8", timeout: 900_000 });
  if (setup.status !== 0) {
    throw new Error(
      `test/python/setup.sh failed (exit ${setup.status ?? setup.signal}): ${setup.stderr.trim()}`,
    );
  }
  return setup.stdout.trim().split("\n").at(-1)!;
}

for (const survey of ["ztf", "lsst"] as const) {
  describe(`outside clients (pittgoogle-client, google-cloud-*, fastavro) read every ${survey} stream`, () => {
    let instance: LocalInstance;
    let python: string;
    const subscriptions: Record<string, string> = {};

    beforeAll(async () => {
      python = venvPython();
      const options = await testInstanceOptions(survey, servers(), `py${survey}`);
      instance = await LocalInstance.up(options);
      // pull subscriptions of the test's own, there before the first message
      const { pubsub } = instance.clients();
      for (const stub of DATA_TOPICS) {
        const topic = instance.model.topics.find((t) => t.stub === stub)!;
        const [subscription] = await pubsub.topic(topic.name).createSubscription(uniqueName(stub));
        subscriptions[stub] = subscription.name.split("/").at(-1)!;
      }
      await ensureNightTopic(instance, options.kafkaTopic);
      await nightStart(instance, { kafkaTopic: options.kafkaTopic });
      await replay(instance, { alerts: [sampleAlerts(survey)], topic: options.kafkaTopic });
    });

    afterAll(async () => {
      await instance?.down({ purge: true });
    });

    it("decodes a message of each stream: exact ids, pittgoogle's own attributes, the light curve", () => {
      const config = { survey, subscriptions, dataset: instance.model.dataset.name, timeout: 240 };
      const run = spawnSync(python, [PROGRAM, JSON.stringify(config)], {
        encoding: "utf8",
        timeout: 600_000,
        env: {
          PATH: process.env["PATH"] ?? "",
          HOME: process.env["HOME"] ?? "",
          ...pythonEnv(instance.record.endpoints, instance.model.keywords.project),
        },
      });
      const output = `stdout:\n${run.stdout}\nstderr:\n${run.stderr}${run.error ? `\n${run.error.message}` : ""}`;
      expect(run.status, output).toBe(0);
      expect(run.stdout).toContain("alert_avros: notification → object → decoded");
      if (survey === "ztf") expect(run.stdout).toContain("bigquery: salt2 row by candid");
    });
  });
}
