import { chmod, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import type { BlobClient, ContainerClient } from "@azure/storage-blob";
import { manifestName, RECORDINGS_PREFIX } from "../layout/blobLayout";
import { byosFilesOf } from "../byos/byosCatalogue";
import { readJsonBlob } from "../catalog/boundedReads";
import { describeError } from "../errors";
import type { Log } from "../shared/log";
import { isRecord } from "../shared/untrustedJson";
import { downloadBlobToFile, hashFile, type DownloadedFile } from "./blobDownload";
import type { ByosReach } from "./byosErasure";
import type { ChunkFile, ChunkSummary } from "./chunkInventory";
import { catalogueRecordOf } from "./chunkRef";
import { exportTarget, prepareExportDirectory, prepareTargetFolder } from "./exportPaths";
import { exactBlobClient } from "./listedNames";
import { MAX_METADATA_READ } from "../layout/metadataDocument";
import { readParticipants } from "./metadataParticipants";
import type { ParticipantIndex } from "./participantIndex";
import { searchMessage, searchParticipant, type SearchPage, type SkippedEntry } from "./participantSearch";

const EXPORT_FILE = "export.json";
const MAX_MANIFEST_BYTES = 16 * 1024 * 1024;
const PAGE_SIZE = 100;

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
  readonly message: string;
  readonly chunks: readonly ChunkSummary[];
  readonly files: readonly ExportedFile[];
  /** Files not handed out, and why (a recording's manifest that names other people's chunks). */
  readonly withheld: readonly { readonly blob: string; readonly reason: string }[];
  readonly skipped: readonly SkippedEntry[];
  readonly legacyFolders: readonly string[];
  readonly unsafeNames: readonly string[];
  readonly totals: {
    readonly chunks: number;
    readonly files: number;
    readonly downloaded: number;
    readonly alreadyVerified: number;
    readonly failed: number;
    readonly bytes: number;
  };
}

export interface ExportOptions {
  readonly index: ParticipantIndex;
  readonly recordings: ContainerClient;
  readonly directory: string;
  readonly idleTimeoutMs: number;
  readonly log: Log;
  readonly progress?: { start(label: string, bytes: () => number): void; finish(ok: boolean): void };
  /** BYOS chunks: media catalogued in the customer's account (listed) is exported from there. */
  readonly byos?: ByosReach;
}

interface PlannedFile {
  readonly file:
    | ChunkFile
    | {
        readonly name: string;
        readonly kind: "media";
        readonly bytes: number;
        readonly md5?: string;
        readonly sha256?: undefined;
        readonly sha256From?: undefined;
      };
  readonly blob: BlobClient;
  /** Slash-separated path below the export directory. */
  readonly local: string;
}

/** What the recording's manifest says: SHA-256 per file name, and which chunks (documentIds) it names. */
interface FolderManifest {
  readonly exists: boolean;
  readonly hashes: ReadonlyMap<string, string>;
  readonly documentIds: readonly string[];
}

/**
 * Downloads exactly the participant's chunks — the chunks whose own metadata document lists them, checked right
 * before, and checked again on the exported copy — into `directory/<call>/<recording>/`: each chunk's media,
 * metadata document and BYOS catalogue record, verified against what the archive recorded, and writes export.json.
 * A recording's `manifest.json` (it names every chunk of the recording and the raw ids of all its participants) is
 * exported only when every chunk it names is the participant's. The directory is created 0700, files 0600, and no
 * path leaves it. A file already there that still verifies is not downloaded again: a broken run resumes.
 */
export async function exportParticipant(participantId: string, options: ExportOptions): Promise<ExportReport> {
  const { index, recordings, log } = options;
  const participant = index.keyOf(participantId);
  await index.keyCheck.verify();
  const prepared = await prepareExportDirectory(options.directory);
  const directory = prepared.real;
  if (prepared.openToOthers)
    log.warn(
      `Export directory ${directory} is readable by other users: the exported recordings are personal data (use a private directory).`,
    );
  const chunks: ChunkSummary[] = [];
  const files: ExportedFile[] = [];
  const withheld: { blob: string; reason: string }[] = [];
  const skipped: SkippedEntry[] = [];
  const legacyFolders = new Set<string>();
  const unsafeNames = new Set<string>();
  const manifests = new Map<string, FolderManifest>();
  const exportedIds = new Map<string, string[]>();

  const finishFolder = async (folder: string): Promise<void> => {
    const manifest = manifests.get(folder);
    manifests.delete(folder);
    const mine = exportedIds.get(folder) ?? [];
    exportedIds.delete(folder);
    if (!manifest?.exists) return;
    const name = manifestName(folder);
    const foreign = manifest.documentIds.filter((documentId) => !mine.includes(documentId)).length;
    if (foreign > 0 || manifest.documentIds.length === 0) {
      withheld.push({
        blob: name,
        reason: `the recording's manifest names ${foreign || "unknown"} chunk(s) that are not this participant's (and lists every participant of the recording): not exported.`,
      });
      return;
    }
    files.push(
      await exportOne(
        directory,
        {
          file: { name, kind: "metadata", bytes: -1 },
          blob: exactBlobClient(recordings, name, folder),
          local: localOf(name),
        },
        options,
      ),
    );
  };

  let continuationToken: string | undefined;
  let openFolder: string | undefined;
  do {
    const page: SearchPage = await searchParticipant(index, recordings, participantId, {
      pageSize: PAGE_SIZE,
      ...(continuationToken ? { continuationToken } : {}),
    });
    continuationToken = page.continuationToken;
    skipped.push(...page.skipped);
    for (const folder of page.legacyFolders) legacyFolders.add(folder);
    for (const name of page.unsafeNames) unsafeNames.add(name);
    for (const chunk of page.chunks) {
      if (openFolder !== undefined && chunk.folder !== openFolder) await finishFolder(openFolder);
      openFolder = chunk.folder;
      if (!manifests.has(chunk.folder)) manifests.set(chunk.folder, await readFolderManifest(recordings, chunk.folder));
      const result = await exportChunk(
        directory,
        chunk,
        manifests.get(chunk.folder) as FolderManifest,
        participant,
        options,
      );
      files.push(...result.files);
      if (result.exported) {
        chunks.push(chunk);
        if (chunk.documentId)
          exportedIds.set(chunk.folder, [...(exportedIds.get(chunk.folder) ?? []), chunk.documentId]);
      } else
        skipped.push({ folder: chunk.folder, chunk: chunk.chunk, reason: "notListed", detail: result.reason ?? "" });
    }
  } while (continuationToken);
  if (openFolder !== undefined) await finishFolder(openFolder);

  const report: ExportReport = {
    participant,
    exportedAt: new Date().toISOString(),
    container: recordings.containerName,
    directory,
    message: searchMessage(chunks.length, legacyFolders.size, 0),
    chunks,
    files,
    withheld,
    skipped,
    legacyFolders: [...legacyFolders],
    unsafeNames: [...unsafeNames],
    totals: {
      chunks: chunks.length,
      files: files.length,
      downloaded: files.filter((file) => file.status === "downloaded").length,
      alreadyVerified: files.filter((file) => file.status === "alreadyVerified").length,
      failed: files.filter((file) => file.status === "failed").length,
      bytes: files.reduce((sum, file) => sum + file.bytes, 0),
    },
  };
  const exportFile = join(directory, EXPORT_FILE);
  await writeFile(exportFile, `${JSON.stringify(report, null, 2)}\n`, { mode: 0o600 });
  await chmod(exportFile, 0o600);
  return report;
}

/** `calls/<call>/<recording>/<file>` → `<call>/<recording>/<file>` below the export directory. */
function localOf(name: string): string {
  return name.slice(RECORDINGS_PREFIX.length);
}

/** One chunk: its files, then its exported metadata document checked once more to list the participant. */
async function exportChunk(
  directory: string,
  chunk: ChunkSummary,
  manifest: FolderManifest,
  participant: string,
  options: ExportOptions,
): Promise<{ exported: boolean; files: ExportedFile[]; reason?: string }> {
  const { recordings } = options;
  const planned: PlannedFile[] = chunk.files.map((file) => {
    // The manifest's SHA-256 first (the catalog's record of the recording), else the blob's own metadata.
    const fromManifest = manifest.hashes.get(file.name.slice(chunk.folder.length));
    const described = fromManifest ? { ...file, sha256: fromManifest, sha256From: "manifest" as const } : file;
    return { file: described, blob: exactBlobClient(recordings, file.name, chunk.folder), local: localOf(file.name) };
  });
  if (
    options.byos &&
    chunk.files.some((file) => file.kind === "catalogue") &&
    !chunk.files.some((file) => file.kind === "media")
  ) {
    for (const external of await byosFilesOf(
      recordings,
      [catalogueRecordOf({ folder: chunk.folder, stem: chunk.chunk })],
      options.byos.containers,
    )) {
      if (external.kind !== "media") continue;
      const base = decodeURIComponent(new URL(external.url).pathname.split("/").pop() ?? "");
      planned.push({
        file: {
          name: external.url,
          kind: "media",
          bytes: external.bytes,
          ...(external.md5 ? { md5: external.md5 } : {}),
        },
        blob: options.byos.access.blob(external.url),
        local: `${localOf(chunk.folder)}${chunk.chunk}.byos-${base}`,
      });
    }
  }
  const files: ExportedFile[] = [];
  for (const item of planned) files.push(await exportOne(directory, item, options));
  const metadata = files.find((file) => file.blob.endsWith(".metadata.json") && file.status !== "failed");
  const lists = metadata
    ? await exportedDocumentLists(join(directory, ...metadata.path.split("/")), participant, options.index)
    : false;
  if (metadata && !lists) {
    for (const file of files)
      if (file.status !== "failed") await rm(join(directory, ...file.path.split("/")), { force: true });
    return {
      exported: false,
      files: [],
      reason:
        "the exported metadata document no longer lists this participant: the chunk's files were removed from the export.",
    };
  }
  return { exported: true, files };
}

async function exportedDocumentLists(path: string, participant: string, index: ParticipantIndex): Promise<boolean> {
  const size = (await stat(path)).size;
  if (size > MAX_METADATA_READ) return false;
  const read = readParticipants(await readFile(path), Number.POSITIVE_INFINITY);
  return read.kind === "listed" && read.ids.some((id) => index.keyOf(id) === participant);
}

async function exportOne(directory: string, item: PlannedFile, options: ExportOptions): Promise<ExportedFile> {
  const { file } = item;
  const at = { blob: file.name };
  let path: string;
  try {
    path = exportTarget(directory, item.local);
    await prepareTargetFolder(directory, path);
  } catch (error) {
    options.log.error(`Export of ${file.name} refused: ${describeError(error)}`);
    return { ...at, path: "", bytes: 0, status: "failed", reason: describeError(error) };
  }
  const shown = relative(directory, path).split("\\").join("/");
  let done = 0;
  options.progress?.start(file.name.split("/").pop() ?? file.name, () => done);
  const result = await exportFile(item.blob, file, path, options.idleTimeoutMs, (bytes) => (done = bytes)).catch(
    (error: unknown): Omit<ExportedFile, "blob" | "path"> => ({
      bytes: 0,
      status: "failed",
      reason: describeError(error),
    }),
  );
  if (result.status === "failed")
    options.log.error(
      `Export of ${/^https?:\/\//.test(file.name) ? file.name : `${options.recordings.containerName}/${file.name}`} failed: ${result.reason ?? ""}`,
    );
  options.progress?.finish(result.status !== "failed");
  return { ...at, path: shown, ...result };
}

async function exportFile(
  blob: BlobClient,
  file: PlannedFile["file"],
  path: string,
  idleTimeoutMs: number,
  onBytes: (bytes: number) => void,
): Promise<Omit<ExportedFile, "blob" | "path">> {
  const existing = await stat(path).catch(() => undefined);
  if (existing?.isFile() && (file.bytes < 0 || existing.size === file.bytes)) {
    const local = await hashFile(path);
    const check = verify(file, local);
    if (check.ok) {
      await chmod(path, 0o600);
      return { bytes: local.bytes, sha256: local.sha256, verifiedAgainst: check.against, status: "alreadyVerified" };
    }
  }
  const partial = `${path}.part`;
  await rm(partial, { force: true });
  try {
    const downloaded = await downloadBlobToFile(blob, partial, { idleTimeoutMs, onBytes });
    const check = verify(file, downloaded);
    if (!check.ok)
      return { bytes: downloaded.bytes, sha256: downloaded.sha256, status: "failed", reason: check.reason };
    await rename(partial, path);
    return { bytes: downloaded.bytes, sha256: downloaded.sha256, verifiedAgainst: check.against, status: "downloaded" };
  } finally {
    await rm(partial, { force: true });
  }
}

type Verification = { ok: true; against: NonNullable<ExportedFile["verifiedAgainst"]> } | { ok: false; reason: string };

/** The strongest check available: a recorded SHA-256, else the service's Content-MD5, else the length (`bytes` < 0: unknown). */
function verify(file: PlannedFile["file"], local: DownloadedFile): Verification {
  if (file.bytes >= 0 && local.bytes !== file.bytes)
    return { ok: false, reason: `has ${local.bytes} bytes; the archive lists ${file.bytes}.` };
  if (file.sha256 && file.sha256From) {
    return local.sha256 === file.sha256.toLowerCase()
      ? { ok: true, against: file.sha256From }
      : {
          ok: false,
          reason: `SHA-256 ${local.sha256} differs from the ${file.sha256From === "manifest" ? "manifest's" : "blob metadata's"} ${file.sha256}.`,
        };
  }
  if (file.md5)
    return local.md5 === file.md5
      ? { ok: true, against: "contentMD5" }
      : { ok: false, reason: `Content-MD5 ${local.md5} differs from the blob's ${file.md5}.` };
  return { ok: true, against: "length" };
}

/** The recording's manifest, when there is one: its SHA-256s by file name and the documentIds of its chunks. */
async function readFolderManifest(recordings: ContainerClient, folder: string): Promise<FolderManifest> {
  const parsed = await readJsonBlob(recordings, manifestName(folder), MAX_MANIFEST_BYTES).catch(() => undefined);
  const exists = parsed !== undefined || (await exactBlobClient(recordings, manifestName(folder), folder).exists());
  const hashes = new Map<string, string>();
  const documentIds: string[] = [];
  const chunks = isRecord(parsed) && Array.isArray(parsed["chunks"]) ? (parsed["chunks"] as unknown[]) : [];
  for (const chunk of chunks) {
    if (!isRecord(chunk)) continue;
    if (typeof chunk["documentId"] === "string") documentIds.push(chunk["documentId"]);
    for (const part of ["media", "metadata"]) {
      const file = chunk[part];
      if (
        !isRecord(file) ||
        typeof file["blob"] !== "string" ||
        typeof file["sha256"] !== "string" ||
        !/^[0-9a-f]{64}$/i.test(file["sha256"])
      )
        continue;
      hashes.set(file["blob"].split("/").pop() ?? "", file["sha256"].toLowerCase());
    }
  }
  return {
    exists,
    hashes,
    documentIds: exists && documentIds.length < chunks.length ? [...documentIds, ""] : documentIds,
  };
}
