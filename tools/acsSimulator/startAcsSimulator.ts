import { randomBytes, randomUUID } from "node:crypto";
import { DocumentContent } from "./documentContent";
import { DocumentStore } from "./documentStore";
import type { RecordingEventSpec } from "./eventTypes";
import { DEFAULT_MAX_CLOCK_SKEW_MS } from "./hmacVerifier";
import { closeListeners, startListeners } from "./listeners";
import { postEvents } from "./postEvents";
import { buildRecordingEvent } from "./recordingEvent";
import { foundingPaths, storagePaths } from "./recordingRoutes";
import { handleRequest } from "./requestPipeline";
import type { SimContext } from "./simContext";
import { createCounters, documentCounts, resetCounters } from "./simCounters";
import type { AcsSimulator, DocumentUrls, SimDocumentOptions, SimListenerName, StartAcsSimulatorOptions } from "./types";

/**
 * Starts a local stand-in for an ACS resource and its recording storage: an endpoint listener (founding download
 * URLs, extra routes), a storage and a regional listener (today's content URLs) and a foreign listener (not ACS).
 */
export async function startAcsSimulator(options: StartAcsSimulatorOptions = {}): Promise<AcsSimulator> {
  const accessKey = options.accessKey ?? randomBytes(32).toString("base64");
  const key = Buffer.from(accessKey, "base64");
  if (key.length === 0) throw new Error("accessKey must be a non-empty base64 string");
  const baseUrls: Record<SimListenerName, string> = { endpoint: "", storage: "", regional: "", foreign: "" };
  const resourceId = randomUUID();
  const context: SimContext = {
    key,
    maxClockSkewMs: options.maxClockSkewMs ?? DEFAULT_MAX_CLOCK_SKEW_MS,
    endpointHost: "",
    baseUrls,
    store: new DocumentStore(resourceId),
    content: new DocumentContent(),
    counters: createCounters(),
    requests: [],
    endpointRoutes: [],
  };
  const listeners = await startListeners(options.host ?? "127.0.0.1", options.ports ?? {}, (name, req, res) => {
    void handleRequest(context, name, req, res);
  });
  for (const listener of Object.values(listeners)) baseUrls[listener.name] = `http://${listener.authority}`;
  context.endpointHost = listeners.endpoint.authority;

  const { store, content, counters } = context;
  const addDocument = (documentId: string, documentOptions: SimDocumentOptions, extra = {}) => {
    const document = store.add(documentId, documentOptions, extra);
    documentCounts(counters, documentId);
    return document;
  };
  const urls = (documentId: string): DocumentUrls => {
    const storage = storagePaths(documentId, store.get(documentId)?.format ?? "mp4");
    const founding = foundingPaths(documentId);
    return {
      contentLocation: `${baseUrls.storage}${storage.content}`,
      metadataLocation: `${baseUrls.storage}${storage.metadata}`,
      deleteLocation: `${baseUrls.storage}${storage.object}`,
      foundingContent: `${baseUrls.endpoint}${founding.content}`,
      foundingMetadata: `${baseUrls.endpoint}${founding.metadata}`,
    };
  };
  let closed: Promise<void> | undefined;

  const simulator: AcsSimulator = {
    accessKey,
    endpointUrl: baseUrls.endpoint,
    connectionString: `endpoint=${baseUrls.endpoint}/;accesskey=${accessKey}`,
    storageUrl: baseUrls.storage,
    regionalUrl: baseUrls.regional,
    foreignUrl: baseUrls.foreign,
    allowedHosts: [listeners.endpoint.authority, listeners.storage.authority, listeners.regional.authority],
    addDocument: (documentId, documentOptions) => addDocument(documentId, documentOptions),
    document: (documentId) => store.get(documentId),
    setFaults: (documentId, faults) => store.setFaults(documentId, faults),
    contentRange: (documentId, start, end) => {
      const document = store.require(documentId);
      if (end > document.size) throw new RangeError(`end ${end} is past the size of "${documentId}" (${document.size})`);
      return content.bytes(documentId, start, end);
    },
    contentSha256: (documentId) => content.sha256Hex(documentId, store.require(documentId).size),
    metadataBytes: (documentId) => Buffer.from(store.require(documentId).metadata),
    urls,
    recordingEvent: ((spec: RecordingEventSpec) =>
      buildRecordingEvent(spec, {
        ensureDocument: (chunk, callId, chunkIndex, chunkStartTime) => {
          if (store.get(chunk.documentId)) return;
          const format = chunk.format ?? "mp4";
          addDocument(chunk.documentId, { size: chunk.size, format }, { callId, chunkIndex, chunkStartTime });
        },
        urls,
      })) as AcsSimulator["recordingEvent"],
    postEvents,
    counters,
    resetCounters: () => resetCounters(counters),
    requests: context.requests,
    addEndpointRoute: (route) => {
      context.endpointRoutes.push(route);
    },
    close: () => (closed ??= closeListeners(Object.values(listeners))),
  };
  return simulator;
}
