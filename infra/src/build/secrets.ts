import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import type { SecretSpec } from "@pgb/broker-utils/instance";
import { protection, type BuildContext } from "./context.js";

/** The secrets, with a first version when the value is in the stack's (secret) config. */
export function buildSecrets(secrets: readonly SecretSpec[], c: BuildContext): void {
  const credentials = c.deploy.kafkaCredentials;
  for (const s of secrets) {
    const secret = c.resolve.secrets.set(
      s.name,
      new gcp.secretmanager.Secret(
        s.name,
        { project: c.project, secretId: s.name, replication: { auto: {} }, labels: c.labels },
        c.opts(protection(s.protect)),
      ),
    );
    if (credentials !== undefined) {
      new gcp.secretmanager.SecretVersion(
        `${s.name}-version`,
        { secret: secret.id, secretData: pulumi.secret(credentials) },
        c.opts(protection(s.protect)),
      );
    }
  }
}
