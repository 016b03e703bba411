import { SpanKind } from "@opentelemetry/api";
import type { ErasureTombstones } from "../catalog/erasureTombstones";
import type { ChunkCatalogHooks } from "../catalog/recordingCatalog";
import { archiverMetrics } from "../telemetry/archiverMetrics";
import { chunkBlobNames } from "../layout/blobLayout";
import type { ByosContainer } from "../config/byosContainers";
import type { DownloadHostPolicy } from "../config/downloadHosts";
import type { ByosLocation } from "../queue/byosLocation";
import { AcsHttpError, describeError, DownloadUrlRejectedError, UnverifiableSourceError } from "../errors";
import type { ChunkMessage } from "../queue/chunkMessage";
import { parseChunkMessage } from "../queue/chunkMessageParser";
import type { Log } from "../shared/log";
import type { ArchivedChunk, ChunkArchiver } from "../archive/chunkArchiver";
import type { FailureOutcome, FailureRecords } from "../archive/failureRecords";
import { requeuePlan } from "./requeuePlan";
import { notFoundMeansExpired } from "../archive/retention";
import { isTransient } from "../archive/retryPolicy";
import { inSpan } from "../telemetry/spans";

export type ChunkJobResult =
  | ({ readonly status: "archived" | "alreadyArchived" } & ArchivedChunk)
  | {
      readonly status: FailureOutcome;
      readonly recordedAt: string;
      readonly reason: string;
      readonly chunkKey?: string;
    }
  | { readonly status: "requeued"; readonly delaySeconds: number; readonly reason: string; readonly chunkKey: string }
  /** A data-subject erasure removed the chunk (its tombstone): nothing is downloaded or written; the message is done. */
  | { readonly status: "erased"; readonly reason: string; readonly chunkKey: string }
  | { readonly status: "retry"; readonly error: unknown; readonly recordedAt?: string };

export interface ChunkJobDependencies {
  readonly archiver: ChunkArchiver;
  readonly failures: FailureRecords;
  readonly downloadHosts: DownloadHostPolicy;
  /** BYOS_STORAGE_ACCOUNTS containers a message's BYOS location must be in; none = BYOS messages are refused. */
  readonly byosContainers?: readonly ByosContainer[];
  /** Puts a chunk back on the app's queue with a delay (a fresh message), for the queue function and the CLI alike. */
  readonly requeue?: (message: ChunkMessage, delaySeconds: number) => Promise<void>;
  readonly now?: () => Date;
  /** Participant index: told of every archived chunk; absent when PARTICIPANT_INDEX_KEY is unset. */
  readonly participantIndex?: {
    chunkArchived(message: ChunkMessage, log: Log, metadataDocument?: Buffer): Promise<void>;
  };
  /** Bring-your-own-storage chunks: catalogued (or copied server-side), never downloaded from ACS. */
  readonly byos?: { archive(message: ChunkMessage & { byos: ByosLocation }, log: Log): Promise<ArchivedChunk> };
  /** Manifest, downstream events and metrics after each outcome (src/catalog); absent = none. */
  readonly catalog?: ChunkCatalogHooks;
  /** Erasure tombstones: an erased chunk is never archived again (absent = none are checked). */
  readonly erasures?: Pick<ErasureTombstones, "isErased">;
}

/** Which try of a queue message this is (the trigger's dequeueCount), so the last one can re-queue or record. */
export interface QueueAttempt {
  readonly dequeueCount?: number;
  readonly maxDequeueCount?: number;
}

/**
 * One queue message, start to finish, for the queue function and the command line alike: parse,
 * archive, and on failure either record the outcome (permanent: wrong key, 400, rejected URL,
 * expired) or hand back "retry" (transient) so that the queue redelivers. When the queue's deliveries
 * are used up but the deadline is still ahead, the chunk is re-queued with a growing delay instead
 * of going to the poison queue: an outage of hours must not cost a recording.
 */
export class ChunkArchiveJob {
  constructor(private readonly deps: ChunkJobDependencies) {}

  async run(input: unknown, log: Log, attempt: QueueAttempt = {}): Promise<ChunkJobResult> {
    const now = this.deps.now ?? (() => new Date());
    let message: ChunkMessage | undefined;
    const startedAt = now();
    let archived: ArchivedChunk;
    try {
      message = parseChunkMessage(input, this.deps.downloadHosts, this.deps.byosContainers);
      const parsed = message;
      this.deps.catalog?.prepare?.(parsed);
      // Is the chunk archived already? Asked side by side with the erasure check, which must answer first: a
      // redelivered or replayed message must not bring back what a data-subject erasure removed.
      const archivedSize = parsed.byos ? undefined : this.deps.archiver.archivedSize(parsed);
      archivedSize?.catch(() => undefined); // awaited by archive(), unless the chunk turns out erased
      if (await this.deps.erasures?.isErased(chunkBlobNames(parsed).folder, parsed.documentId))
        return this.erased(parsed, log);
      archived = await inSpan(
        "archive chunk",
        { "archiver.chunk.index": parsed.index },
        () =>
          parsed.byos
            ? this.archiveByos({ ...parsed, byos: parsed.byos }, log)
            : this.deps.archiver.archive(parsed, log, {
                firstDelivery: attempt.dequeueCount === 1 && parsed.redelivery === undefined,
                ...(archivedSize ? { archivedSize } : {}),
              }),
        SpanKind.INTERNAL,
      );
      await this.deps.participantIndex?.chunkArchived(parsed, log, archived.metadataDocument);
    } catch (error) {
      const expired = message ? notFoundMeansExpired(message.deadline, now()) : false;
      if (message && isTransient(error, expired)) return this.transient(message, error, log, attempt, now());
      const who = message ? `chunk ${message.chunkKey}` : "an unreadable chunk message";
      const outcome: FailureOutcome = !message
        ? "rejected"
        : error instanceof AcsHttpError && error.statusCode === 404 && expired
          ? "expired"
          : "failed";
      const recordedAt = await this.deps.failures.record({
        outcome,
        error,
        ...(message ? { message } : { rawMessage: input }),
      });
      log.error(`Could not archive ${who}: ${describeError(error)} (${outcome}; not retried). Record: ${recordedAt}`);
      const unpublished = await this.catalogStep(
        () => this.deps.catalog?.chunkFailed(message, { outcome, error, recordedAt }, log),
        log,
      );
      return (
        unpublished ?? {
          status: outcome,
          recordedAt,
          reason: describeError(error),
          ...(message ? { chunkKey: message.chunkKey } : {}),
        }
      );
    }
    const parsed = message;
    const unpublished = await this.catalogStep(
      () => this.deps.catalog?.chunkArchived(parsed, archived, startedAt, log),
      log,
    );
    return unpublished ?? { status: archived.outcome, ...archived };
  }

  private erased(message: ChunkMessage, log: Log): ChunkJobResult {
    archiverMetrics().chunksErasedSkipped.add(1, { where: "archive" });
    const reason =
      "a data-subject erasure removed this chunk (its erasure tombstone is in archive-erasures/); it is not archived again";
    log.info(`Chunk ${message.chunkKey}: ${reason}.`);
    return { status: "erased", reason, chunkKey: message.chunkKey };
  }

  private archiveByos(message: ChunkMessage & { byos: ByosLocation }, log: Log): Promise<ArchivedChunk> {
    if (!this.deps.byos)
      throw new DownloadUrlRejectedError("byos", "names a bring-your-own-storage chunk, which this job cannot archive");
    return this.deps.byos.archive(message, log);
  }

  /**
   * The catalog's step after an outcome (manifest, events). When it fails the message goes back to
   * the queue: the archive is idempotent (no re-download), and the retry publishes with the same ids.
   */
  private async catalogStep(step: () => Promise<void> | undefined, log: Log): Promise<ChunkJobResult | undefined> {
    try {
      await step();
      return undefined;
    } catch (error) {
      log.warn(`The catalog step failed (${describeError(error)}); the queue will deliver the chunk again.`);
      return { status: "retry", error };
    }
  }

  private async transient(
    message: ChunkMessage,
    error: unknown,
    log: Log,
    attempt: QueueAttempt,
    now: Date,
  ): Promise<ChunkJobResult> {
    const who = `chunk ${message.chunkKey}`;
    const lastTry =
      attempt.dequeueCount !== undefined &&
      attempt.maxDequeueCount !== undefined &&
      attempt.dequeueCount >= attempt.maxDequeueCount;
    await this.deps.catalog?.chunkRetrying(message, log);
    if (!lastTry) {
      log.warn(`Archiving ${who} failed for now (${describeError(error)}); the queue will deliver it again.`);
      return { status: "retry", error };
    }
    const { redelivery, delaySeconds, worthIt } = requeuePlan(message, now);
    // A source that never proves its length is not "serving the chunk": past the deadline it is recorded.
    const giveUp =
      !worthIt || (error instanceof UnverifiableSourceError && now.getTime() > Date.parse(message.deadline));
    if (this.deps.requeue && !giveUp) {
      try {
        await this.deps.requeue({ ...message, redelivery }, delaySeconds);
        log.warn(
          `Archiving ${who} still fails after ${attempt.dequeueCount} deliveries (${describeError(error)}); re-queued (#${redelivery}) to try again in ${Math.round(delaySeconds)} s (deadline ${message.deadline}).`,
        );
        return { status: "requeued", delaySeconds, reason: describeError(error), chunkKey: message.chunkKey };
      } catch (requeueError) {
        // The message goes to the poison queue, whose rescue re-queues it: no final record yet.
        log.error(
          `Could not re-queue ${who} (${describeError(requeueError)}); it goes to the poison queue, whose rescue tries again.`,
        );
        return { status: "retry", error };
      }
    }
    // No one will try again (past the late-try bound, unverifiable past the deadline, or no queue to go
    // back to): the final record, written once, and the message is done.
    const outcome: FailureOutcome = error instanceof UnverifiableSourceError ? "unverifiable" : "retriesExhausted";
    const recordedAt = await this.deps.failures.record({
      outcome,
      error,
      message,
      ...(attempt.dequeueCount === undefined ? {} : { dequeueCount: attempt.dequeueCount }),
    });
    log.error(
      `Archiving ${who} failed on its last delivery (${describeError(error)}); ${outcome}, not retried. Record: ${recordedAt}`,
    );
    const unpublished = await this.catalogStep(
      () => this.deps.catalog?.chunkFailed(message, { outcome, error, recordedAt }, log),
      log,
    );
    return unpublished ?? { status: outcome, recordedAt, reason: describeError(error), chunkKey: message.chunkKey };
  }
}
