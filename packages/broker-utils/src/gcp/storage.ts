/**
 * Cloud Storage helpers over @google-cloud/storage: idempotent uploads and broker-file downloads.
 */
import type { Storage } from "@google-cloud/storage";
import { httpStatus } from "./errors.js";

export interface UploadOptions {
  contentType?: string;
  /** Custom object metadata (string values). */
  metadata?: Record<string, string>;
}

export type UploadResult =
  { status: "written"; generation: string } | { status: "duplicate"; generation: undefined };

/**
 * Writes the object only if it does not exist (`ifGenerationMatch: 0`), so redelivered alerts never
 * overwrite or duplicate a stored one: HTTP 412 means "already stored" and is reported, not thrown.
 */
export async function uploadIfAbsent(
  storage: Storage,
  bucket: string,
  name: string,
  bytes: Buffer,
  options: UploadOptions = {},
): Promise<UploadResult> {
  const file = storage.bucket(bucket).file(name);
  try {
    await file.save(bytes, {
      resumable: false,
      validation: "crc32c",
      preconditionOpts: { ifGenerationMatch: 0 },
      metadata: {
        contentType: options.contentType ?? "application/octet-stream",
        metadata: options.metadata ?? {},
      },
    });
  } catch (err) {
    if (httpStatus(err) === 412) return { status: "duplicate", generation: undefined };
    throw err;
  }
  return { status: "written", generation: String(file.metadata.generation ?? "") };
}

/** An object's bytes (of that generation, if given), or undefined when it does not exist. */
export async function downloadIfExists(
  storage: Storage,
  bucket: string,
  name: string,
  generation?: string,
): Promise<Buffer | undefined> {
  try {
    const file = storage.bucket(bucket).file(name, generation ? { generation } : {});
    const [bytes] = await file.download();
    return bytes;
  } catch (err) {
    if (httpStatus(err) === 404) return undefined;
    throw err;
  }
}
