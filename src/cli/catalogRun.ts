import type { CallStatus, ChunkStatus } from "../catalog/callStatus";
import type { RecordingCatalog } from "../catalog/recordingCatalog";
import type { CallStatusReader } from "../catalog/callStatus";
import type { Log } from "../shared/log";
import { formatBytes } from "./output/formatBytes";
import { textTable } from "./output/textTable";

/** What `status` and `manifest` print, and their exit code (0 found / all complete, 1 otherwise). */
export interface CatalogOutput {
  readonly stdout: string;
  readonly exitCode: number;
}

/** `status --call <id> [--json]`: the status API's JSON, or the same as a table. */
export async function statusOfCall(
  reader: CallStatusReader,
  call: string,
  json: boolean,
  log: Log,
): Promise<CatalogOutput> {
  const status = await reader.read(call);
  if (!status) {
    log.error(`The archive (container ${reader.containerName}) has never seen call ${JSON.stringify(call)}.`);
    return {
      stdout: json
        ? `${JSON.stringify({ error: { code: "CallNotFound", message: "The archive has never seen this call." } }, null, 2)}\n`
        : "",
      exitCode: 1,
    };
  }
  return { stdout: json ? `${JSON.stringify(status, null, 2)}\n` : statusTable(status), exitCode: 0 };
}

function statusTable(status: CallStatus): string {
  const parts = [
    `Call ${status.call}: ${status.recordings.length} recording(s), checked ${status.checkedAt}${status.truncated ? " (listing truncated)" : ""}`,
  ];
  for (const recording of status.recordings) {
    const archived = recording.chunks.filter((chunk) => chunk.state === "archived").length;
    parts.push(
      "",
      `Recording ${recording.recordingId ?? "(no recording id)"} started ${recording.recordingStartTime ?? "(unknown)"} — ${archived}/${recording.expectedChunks} chunks archived, ${recording.complete ? "complete" : "not complete"}; manifest: ${recording.manifest ?? "none"}${recording.unannouncedChunks > 0 ? `; ${recording.unannouncedChunks} chunk(s) NOT announced by the recording's first event (see "trace")` : ""}`,
      textTable(
        ["#", "documentId", "state", "trace", "deadline", "left", "bytes", "where / why"],
        recording.chunks.map(row),
        [0, 5, 6],
      ),
    );
  }
  return `${parts.join("\n")}\n`;
}

function row(chunk: ChunkStatus): string[] {
  const left = chunk.hoursLeft === null ? "-" : `${chunk.hoursLeft.toFixed(1)} h`;
  const where =
    chunk.media?.blob ??
    (chunk.outcome
      ? `${chunk.outcome.outcome}: ${chunk.outcome.reason.message}`
      : chunk.state === "expired"
        ? "deadline passed, not archived"
        : chunk.state === "erased"
          ? "removed by a data-subject erasure"
          : "");
  return [
    chunk.index === null ? "-" : String(chunk.index),
    chunk.documentId,
    chunk.state,
    chunk.intakeTrace ?? "-",
    chunk.deadline ?? "-",
    left,
    chunk.media ? formatBytes(chunk.media.bytes) : "",
    where,
  ];
}

/** `manifest --call <id>`: writes the manifests a call's complete recordings lack (older recordings). */
export async function manifestsOfCall(catalog: RecordingCatalog, call: string, log: Log): Promise<CatalogOutput> {
  const done = await catalog.completeCall(call, log);
  if (done.length === 0) log.error(`No recording of call ${JSON.stringify(call)} is in the archive.`);
  const recordings = done.map(({ folder, result }) =>
    result.status === "incomplete"
      ? { folder, status: result.status, archivedChunks: result.archived, expectedChunks: result.expected }
      : result.status === "erased"
        ? { folder, status: result.status, erasedChunks: result.erased }
        : {
            folder,
            status: result.status,
            manifest: result.blob,
            chunks: result.manifest.chunks.length,
            equivalent: result.equivalent,
          },
  );
  const ok = done.length > 0 && done.every(({ result }) => result.status !== "incomplete");
  return { stdout: `${JSON.stringify({ command: "manifest", call, recordings }, null, 2)}\n`, exitCode: ok ? 0 : 1 };
}
