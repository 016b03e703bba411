import { existsSync } from "node:fs";
import { mkdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import type { BlobClient, ContainerClient } from "@azure/storage-blob";
import type { ByosAccess } from "../byos/byosAccess";
import { byosFilesOf } from "../byos/byosCatalogue";
import { RECORDINGS_PREFIX } from "../archive/blobLayout";
import { describeError } from "../errors";
import type { Log } from "../shared/log";
import { downloadBlobToFile, hashFile, type DownloadedFile } from "./blobDownload";
import { findParticipant, type ParticipantRecordings } from "./participantFind";
import type { ParticipantIndex } from "./participantIndex";
import { CATALOGUE_SUFFIX, type RecordingFile } from "./recordingInventory";

const EXPORT_FILE = "export.json";

interface ExportedFile {
  readonly blob: string;
  /** Relative to the export directory. */
  readonly path: string;
  readonly bytes: number;
  readonly sha256?: string;
  /** What the file was checked against: the manifest's or the blob's recorded SHA-256, the blob's Content-MD5, or only its length. */
  readonly verifiedAgainst?: "manifest" | "blobMetadata" | "contentMD5" | "length";
  readonly status: "downloaded" | "alreadyVerified" | "failed";
  readonly reason?: string;
}

export interface ExportReport {
  readonly participant: string;
  readonly exportedAt: string;
  readonly container: string;
  readonly directory: string;
  readonly recordings: ParticipantRecordings["recordings"];
  readonly files: readonly ExportedFile[];
  readonly totals: { readonly files: number; readonly downloaded: number; readonly alreadyVerified: number; readonly failed: number; readonly bytes: number };
}

export interface ExportOptions {
  readonly index: ParticipantIndex;
  readonly recordings: ContainerClient;
  readonly directory: string;
  readonly idleTimeoutMs: number;
  readonly log: Log;
  readonly progress?: { start(position: number, total: number, label: string, bytes: () => number): void; finish(ok: boolean): void };
  /** BYOS recordings: media and metadata only in the customer's account (listed) are exported from there. */
  readonly byos?: { readonly access: ByosAccess; readonly accounts: readonly string[] };
}

interface PlannedFile {
  readonly file: RecordingFile;
  readonly blob: BlobClient;
  /** Local path below the export directory. */
  readonly local: string;
}

/**
 * Downloads every blob of every recording of one participant into `directory/<call>/<recording>/`,
 * verifies each against what the archive recorded, and writes export.json. A file already there
 * whose content still verifies is not downloaded again, so a broken run is resumed by running it again.
 */
export async function exportParticipant(participantId: string, options: ExportOptions): Promise<ExportReport> {
  const { recordings, log } = options;
  const directory = resolve(options.directory);
  const found = await findParticipant(options.index, recordings, participantId);
  const planned: PlannedFile[] = [];
  for (const recording of found.recordings) {
    for (const file of recording.files) planned.push({ file, blob: recordings.getBlobClient(file.name), local: file.name.slice(RECORDINGS_PREFIX.length) });
    const byos = options.byos;
    if (!byos) continue;
    const records = recording.files.filter((file) => file.kind === "catalogue").map((file) => file.name);
    for (const external of await byosFilesOf(recordings, records, byos.accounts)) {
      const base = new URL(external.url).pathname.split("/").pop() ?? "";
      // The metadata document is always in the archive, and media copied with BYOS_COPY too: exported from there.
      const stem = external.record.slice(0, -CATALOGUE_SUFFIX.length);
      if (external.kind === "metadata" || recording.files.some((file) => file.kind === "media" && file.name.startsWith(`${stem}.`))) continue;
      const file: RecordingFile = { name: external.url, kind: external.kind, bytes: external.bytes, ...(external.md5 ? { md5: external.md5 } : {}) };
      planned.push({ file, blob: byos.access.blob(external.url), local: `${recording.folder.slice(RECORDINGS_PREFIX.length)}byos-${base}` });
    }
  }
  const files: ExportedFile[] = [];
  for (const [position, { file, blob, local }] of planned.entries()) {
    const path = join(directory, ...local.split("/"));
    let done = 0;
    options.progress?.start(position, planned.length, file.name.split("/").pop() ?? file.name, () => done);
    const result = await exportFile(blob, file, path, options.idleTimeoutMs, (bytes) => (done = bytes)).catch(
      (error: unknown): Omit<ExportedFile, "blob" | "path"> => ({ bytes: 0, status: "failed", reason: describeError(error) }),
    );
    if (result.status === "failed")
      log.error(`Export of ${/^https?:\/\//.test(file.name) ? file.name : `${recordings.containerName}/${file.name}`} failed: ${result.reason ?? ""}`);
    options.progress?.finish(result.status !== "failed");
    files.push({ blob: file.name, path: relative(directory, path).split("\\").join("/"), ...result });
  }
  const report: ExportReport = {
    participant: found.participant,
    exportedAt: new Date().toISOString(),
    container: recordings.containerName,
    directory,
    recordings: found.recordings,
    files,
    totals: {
      files: files.length,
      downloaded: files.filter((file) => file.status === "downloaded").length,
      alreadyVerified: files.filter((file) => file.status === "alreadyVerified").length,
      failed: files.filter((file) => file.status === "failed").length,
      bytes: files.reduce((sum, file) => sum + file.bytes, 0),
    },
  };
  await mkdir(directory, { recursive: true });
  await writeFile(join(directory, EXPORT_FILE), `${JSON.stringify(report, null, 2)}\n`);
  return report;
}

async function exportFile(
  blob: BlobClient,
  file: RecordingFile,
  path: string,
  idleTimeoutMs: number,
  onBytes: (bytes: number) => void,
): Promise<Omit<ExportedFile, "blob" | "path">> {
  if (existsSync(path) && (await stat(path)).size === file.bytes) {
    const local = await hashFile(path);
    const check = verify(file, local);
    if (check.ok) return { bytes: local.bytes, sha256: local.sha256, verifiedAgainst: check.against, status: "alreadyVerified" };
  }
  await mkdir(dirname(path), { recursive: true });
  const partial = `${path}.part`;
  try {
    const downloaded = await downloadBlobToFile(blob, partial, { idleTimeoutMs, onBytes });
    const check = verify(file, downloaded);
    if (!check.ok) return { bytes: downloaded.bytes, sha256: downloaded.sha256, status: "failed", reason: check.reason };
    await rename(partial, path);
    return { bytes: downloaded.bytes, sha256: downloaded.sha256, verifiedAgainst: check.against, status: "downloaded" };
  } finally {
    await rm(partial, { force: true });
  }
}

type Verification = { ok: true; against: NonNullable<ExportedFile["verifiedAgainst"]> } | { ok: false; reason: string };

/** The strongest check available: a recorded SHA-256, else the service's Content-MD5, else the length. */
function verify(file: RecordingFile, local: DownloadedFile): Verification {
  if (local.bytes !== file.bytes) return { ok: false, reason: `has ${local.bytes} bytes; the archive lists ${file.bytes}.` };
  if (file.sha256 && file.sha256From) {
    return local.sha256 === file.sha256.toLowerCase()
      ? { ok: true, against: file.sha256From }
      : { ok: false, reason: `SHA-256 ${local.sha256} differs from the ${file.sha256From === "manifest" ? "manifest's" : "blob metadata's"} ${file.sha256}.` };
  }
  if (file.md5)
    return local.md5 === file.md5
      ? { ok: true, against: "contentMD5" }
      : { ok: false, reason: `Content-MD5 ${local.md5} differs from the blob's ${file.md5}.` };
  return { ok: true, against: "length" };
}
