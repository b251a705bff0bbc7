/**
 * A file of `model.brokerFiles` as the deploy uploads it: text made by the program (schema map,
 * startup script) or a file of the deployer's machine (the VMs' Node.js runtime tarball).
 */
import * as pulumi from "@pulumi/pulumi";

export type BrokerFile =
  { content: string; contentType: string } | { path: string; contentType: string };

export function brokerFileAsset(file: BrokerFile): pulumi.asset.Asset {
  return "path" in file
    ? new pulumi.asset.FileAsset(file.path)
    : new pulumi.asset.StringAsset(file.content);
}
