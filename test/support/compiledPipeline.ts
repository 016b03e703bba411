import { InvocationContext } from "@azure/functions";
import { BlobServiceClient, type ContainerClient } from "@azure/storage-blob";
import { QueueClient } from "@azure/storage-queue";
import { findFunction, loadCompiledApp, type RegisteredFunction } from "./compiledApp";
import { invokeEventGrid, invokeHttp, type HttpAnswer } from "./functionInvoke";
import { decodeAsQueueTrigger } from "./storageProbe";
import { uniqueName, type CapturedLog } from "./testSettings";

/**
 * The compiled app as the Functions host runs it, end to end: an event to the Event Grid trigger, the chunk messages
 * taken off the real queue and decoded as the host does (host.json messageEncoding), each handed to archiveChunk;
 * status, the deadline watch and the poison rescue through their registered handlers. Every log line is kept.
 */
export interface CompiledPipeline {
  readonly functions: readonly RegisteredFunction[];
  readonly queue: QueueClient;
  readonly recordings: ContainerClient;
  readonly logs: CapturedLog[];
  /** Delivers events to `recordingEventsGrid`, one invocation each (as Event Grid does). */
  deliver(...events: readonly unknown[]): Promise<void>;
  /** Takes every message off the chunk queue (deleted, as after a successful invocation), decoded as the host hands it over. */
  drain(): Promise<unknown[]>;
  /** One `archiveChunk` invocation. */
  archive(message: unknown, dequeueCount?: number): Promise<void>;
  /** `GET /api/archive/calls/{callId}`. */
  status(callId: string): Promise<HttpAnswer>;
  /** One `watchDeadlines` run. */
  watch(): Promise<void>;
  /** One `rescuePoisonedChunk` invocation. */
  rescue(message: unknown): Promise<void>;
}

export function compiledPipeline(azurite: string, settings: Record<string, string>): CompiledPipeline {
  const chunkQueue = settings["CHUNK_QUEUE"] ?? uniqueName("pipe-chunks");
  const recordingsContainer = settings["RECORDINGS_CONTAINER"] ?? uniqueName("pipe-rec");
  const functions = loadCompiledApp({
    AzureWebJobsStorage: azurite,
    CHUNK_QUEUE: chunkQueue,
    RECORDINGS_CONTAINER: recordingsContainer,
    ...settings,
  });
  const logs: CapturedLog[] = [];
  const context = (functionName: string, dequeueCount?: number): InvocationContext =>
    new InvocationContext({
      functionName,
      ...(dequeueCount === undefined ? {} : { triggerMetadata: { dequeueCount } }),
      logHandler: (level, ...args) => logs.push({ level, message: args.map(String).join(" ") }),
    });
  const queue = new QueueClient(azurite, chunkQueue);
  return {
    functions,
    queue,
    recordings: BlobServiceClient.fromConnectionString(azurite).getContainerClient(recordingsContainer),
    logs,
    async deliver(...events) {
      for (const event of events)
        await invokeEventGrid(findFunction(functions, "recordingEventsGrid"), event, context("recordingEventsGrid"));
    },
    async drain() {
      if (!(await queue.exists())) return [];
      const bodies: unknown[] = [];
      for (;;) {
        const { receivedMessageItems } = await queue.receiveMessages({ numberOfMessages: 32, visibilityTimeout: 300 });
        if (receivedMessageItems.length === 0) return bodies;
        for (const item of receivedMessageItems) {
          bodies.push(decodeAsQueueTrigger(item.messageText));
          await queue.deleteMessage(item.messageId, item.popReceipt);
        }
      }
    },
    async archive(message, dequeueCount = 1) {
      await findFunction(functions, "archiveChunk").handler(message, context("archiveChunk", dequeueCount));
    },
    async status(callId) {
      const { HttpRequest } = await import("@azure/functions");
      const request = new HttpRequest({
        method: "GET",
        url: `http://localhost:7071/api/archive/calls/${encodeURIComponent(callId)}`,
        params: { callId },
      });
      return invokeHttp(findFunction(functions, "archiveStatus"), request, context("archiveStatus"));
    },
    async watch() {
      await findFunction(functions, "watchDeadlines").handler({ isPastDue: false }, context("watchDeadlines"));
    },
    async rescue(message) {
      await findFunction(functions, "rescuePoisonedChunk").handler(message, context("rescuePoisonedChunk", 1));
    },
  };
}
