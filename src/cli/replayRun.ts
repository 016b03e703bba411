import { describeError } from "../errors";
import { parseChunkMessage } from "../queue/chunkMessageParser";
import { archiveMessages, type RunContext } from "./archiveRun";
import type { FailureRecordInput } from "./failureRecordInput";
import { exitCodeOf, totalsOf, type RunSummary } from "./output/summary";
import { UsageError } from "./usageError";

/**
 * The `replay` command's core: runs the chunk message of an `archive-failures/` record again with the
 * queue function's job. The message is checked as the queue function checks it (the allowlist too);
 * one that cannot be archived at all is refused without writing another record.
 */
export async function replayFailure(record: FailureRecordInput, context: RunContext): Promise<RunSummary> {
  let message;
  try {
    message = parseChunkMessage(
      record.message,
      context.services.config.downloadHosts,
      context.services.config.byosContainers,
    );
  } catch (error) {
    throw new UsageError(`the message in ${record.name} cannot be replayed: ${describeError(error)}`, { cause: error });
  }
  context.log.info(`Replaying chunk ${message.chunkKey} from ${record.name}.`);
  const chunks = await archiveMessages([message], context);
  const totals = totalsOf(chunks, 0);
  return {
    command: "replay",
    recordingsContainer: context.services.config.recordingsContainer,
    replayOf: record.name,
    chunks,
    totals,
    exitCode: exitCodeOf(totals),
  };
}
