import type { DownloadHostPolicy } from "../config/downloadHosts";
import { AcsHttpError, describeError } from "../errors";
import type { ChunkMessage } from "../events/chunkMessage";
import { parseChunkMessage } from "../events/chunkMessageParser";
import type { Log } from "../shared/log";
import type { ArchivedChunk, ChunkArchiver } from "./chunkArchiver";
import type { FailureOutcome, FailureRecords } from "./failureRecords";
import { isTransient } from "./retryPolicy";

export type ChunkJobResult =
  | ({ readonly status: "archived" | "alreadyArchived" } & ArchivedChunk)
  | { readonly status: FailureOutcome; readonly recordedAt: string; readonly reason: string; readonly chunkKey?: string }
  | { readonly status: "retry"; readonly error: unknown; readonly recordedAt?: string };

export interface ChunkJobDependencies {
  readonly archiver: ChunkArchiver;
  readonly failures: FailureRecords;
  readonly downloadHosts: DownloadHostPolicy;
  readonly now?: () => Date;
}

/**
 * One queue message, start to finish, for the queue function and the command line alike: parse,
 * archive, and on failure either record the outcome (permanent: wrong key, 400, rejected URL,
 * expired) or hand back "retry" (transient) so that the queue redelivers.
 */
export class ChunkArchiveJob {
  constructor(private readonly deps: ChunkJobDependencies) {}

  async run(input: unknown, log: Log, delivery: { dequeueCount?: number; maxDequeueCount?: number } = {}): Promise<ChunkJobResult> {
    const now = this.deps.now ?? (() => new Date());
    let message: ChunkMessage | undefined;
    try {
      message = parseChunkMessage(input, this.deps.downloadHosts);
      const archived = await this.deps.archiver.archive(message, log);
      return { status: archived.outcome, ...archived };
    } catch (error) {
      const deadlinePassed = message ? now().getTime() > Date.parse(message.deadline) : false;
      const who = message ? `chunk ${message.chunkKey}` : "an unreadable chunk message";
      if (message && isTransient(error, deadlinePassed)) {
        const lastTry = delivery.dequeueCount !== undefined && delivery.maxDequeueCount !== undefined && delivery.dequeueCount >= delivery.maxDequeueCount;
        if (!lastTry) {
          log.warn(`Archiving ${who} failed for now (${describeError(error)}); the queue will deliver it again.`);
          return { status: "retry", error };
        }
        const recordedAt = await this.deps.failures.record({ outcome: "retriesExhausted", error, message, ...(delivery.dequeueCount === undefined ? {} : { dequeueCount: delivery.dequeueCount }) });
        log.error(`Archiving ${who} failed on its last delivery (${describeError(error)}); the message goes to the poison queue. Record: ${recordedAt}`);
        return { status: "retry", error, recordedAt };
      }
      const outcome: FailureOutcome = !message ? "rejected" : error instanceof AcsHttpError && error.status === 404 && deadlinePassed ? "expired" : "failed";
      const recordedAt = await this.deps.failures.record({ outcome, error, ...(message ? { message } : { rawMessage: input }) });
      log.error(`Could not archive ${who}: ${describeError(error)} (${outcome}; not retried). Record: ${recordedAt}`);
      return { status: outcome, recordedAt, reason: describeError(error), ...(message ? { chunkKey: message.chunkKey } : {}) };
    }
  }
}
