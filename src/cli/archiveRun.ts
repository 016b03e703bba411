import { chunkBlobNames } from "../layout/blobLayout";
import type { ChunkMessage } from "../queue/chunkMessage";
import type { Log } from "../shared/log";
import { runChunk } from "./chunkRunner";
import type { CliServices } from "./cliServices";
import { validateEvents } from "./eventValidation";
import type { Progress } from "./output/progressBar";
import { stagedBytesOf } from "./stagedBytes";
import { exitCodeOf, isSuccess, totalsOf, type ChunkReport, type RunSummary } from "./output/summary";

/** What a run needs besides its input: the services, where to log, and how to show progress. */
export interface RunContext {
  readonly services: CliServices;
  readonly log: Log;
  /** Runs of the archive job per chunk (see runChunk). */
  readonly attempts: number;
  /** Creates the progress display for a run of n chunks. */
  readonly progress: (chunks: number) => Progress;
  readonly pauseMs?: (attempt: number) => number;
}

/**
 * The `archive` command's core (also used by the demo): validates the events as intake does
 * (quarantining invalid ones), then archives every chunk with the queue function's job, in order.
 */
export async function archiveEvents(
  events: readonly unknown[],
  receivedVia: string,
  context: RunContext,
): Promise<RunSummary> {
  const { services } = context;
  const validated = await validateEvents(events, services.config, services.quarantine, receivedVia, context.log);
  const chunks = await archiveMessages(validated.messages, context);
  const totals = totalsOf(chunks, validated.report.rejected.length);
  return {
    command: "archive",
    recordingsContainer: services.config.recordingsContainer,
    events: validated.report,
    chunks,
    totals,
    exitCode: exitCodeOf(totals),
  };
}

/** Archives chunk messages one after the other, with progress. */
export async function archiveMessages(messages: readonly ChunkMessage[], context: RunContext): Promise<ChunkReport[]> {
  const progress = context.progress(messages.length);
  const reports: ChunkReport[] = [];
  try {
    for (const [position, message] of messages.entries()) {
      const media = chunkBlobNames(message).media;
      progress.startChunk(
        position,
        media.slice(media.lastIndexOf("/") + 1),
        stagedBytesOf(context.services.recordings.getBlockBlobClient(media)),
      );
      const report = await runChunk(message, {
        job: context.services.archiveJob,
        container: context.services.config.recordingsContainer,
        attempts: context.attempts,
        log: context.log,
        onRetry: () => progress.retried(),
        ...(context.pauseMs ? { pauseMs: context.pauseMs } : {}),
      });
      progress.finishChunk(isSuccess(report.outcome) || report.outcome === "erased");
      reports.push(report);
    }
  } finally {
    progress.stop();
  }
  return reports;
}
