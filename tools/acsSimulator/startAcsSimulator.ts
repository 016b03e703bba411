import { DocumentContent } from "./documentContent";
import { DocumentStore } from "./documentStore";
import type { RecordingEventSpec } from "./eventTypes";
import { DEFAULT_MAX_CLOCK_SKEW_MS } from "./hmacVerifier";
import { closeListeners, startEndpointListener, startListeners, type RunningListener } from "./listeners";
import { postEvents } from "./postEvents";
import { buildRecordingEvent } from "./recordingEvent";
import { preview2021Paths, storagePaths } from "./recordingRoutes";
import { handleRequest } from "./requestPipeline";
import type { SimContext } from "./simContext";
import { createCounters, documentCounts, resetCounters } from "./simCounters";
import { SimResourceState } from "./simResources";
import type {
  AcsSimulator,
  DocumentUrls,
  SimDocumentOptions,
  SimListenerName,
  SimResource,
  SimResourceOptions,
  StartAcsSimulatorOptions,
} from "./types";

const DEFAULT_RESOURCE_NAME = "acs-sim";

/**
 * Starts a local stand-in for ACS and its recording storage: an endpoint listener per ACS resource (2021 preview API download
 * URLs, extra routes; `addResource` adds resources, each with its own keys), a storage and a regional listener
 * (today's content URLs, shared by every resource as ACS's storage hosts are) and a foreign listener (not ACS).
 */
export async function startAcsSimulator(options: StartAcsSimulatorOptions = {}): Promise<AcsSimulator> {
  const first = new SimResourceState(options, DEFAULT_RESOURCE_NAME);
  const baseUrls: Record<SimListenerName, string> = { endpoint: "", storage: "", regional: "", foreign: "" };
  const resources = [first];
  const context: SimContext = {
    resources,
    maxClockSkewMs: options.maxClockSkewMs ?? DEFAULT_MAX_CLOCK_SKEW_MS,
    baseUrls,
    store: new DocumentStore((resourceId) => resourceNamed(resources, resourceId)),
    content: new DocumentContent(),
    counters: createCounters(),
    requests: [],
  };
  const host = options.host ?? "127.0.0.1";
  const listeners = await startListeners(host, options.ports ?? {}, (name, req, res) => {
    void handleRequest(context, name, req, res);
  });
  const extraListeners: RunningListener[] = [];
  for (const listener of Object.values(listeners)) baseUrls[listener.name] = `http://${listener.authority}`;
  first.endpointHost = listeners.endpoint.authority;

  const { store, content, counters } = context;
  const addDocument = (documentId: string, documentOptions: SimDocumentOptions, extra = {}) => {
    const document = store.add(documentId, documentOptions, extra);
    documentCounts(counters, documentId);
    return document;
  };
  const urls = (documentId: string): DocumentUrls => {
    const document = store.get(documentId);
    const storage = storagePaths(documentId, document?.format ?? "mp4");
    const preview2021 = preview2021Paths(documentId);
    const endpoint = resourceNamed(resources, document?.resourceId).endpointUrl;
    return {
      contentLocation: `${baseUrls.storage}${storage.content}`,
      metadataLocation: `${baseUrls.storage}${storage.metadata}`,
      deleteLocation: `${baseUrls.storage}${storage.object}`,
      preview2021Content: `${endpoint}${preview2021.content}`,
      preview2021Metadata: `${endpoint}${preview2021.metadata}`,
    };
  };
  let closed: Promise<void> | undefined;

  const simulator: AcsSimulator = {
    get resourceId() {
      return first.resourceId;
    },
    get name() {
      return first.name;
    },
    get endpointUrl() {
      return first.endpointUrl;
    },
    get endpointHost() {
      return first.endpointHost;
    },
    get accessKey() {
      return first.accessKey;
    },
    get secondaryKey() {
      return first.secondaryKey;
    },
    get connectionString() {
      return first.connectionString;
    },
    get secondaryConnectionString() {
      return first.secondaryConnectionString;
    },
    regenerateKey: (which, accessKey) => first.regenerateKey(which, accessKey),
    addEndpointRoute: (route) => first.addEndpointRoute(route),
    resources,
    addResource: async (resourceOptions: SimResourceOptions = {}): Promise<SimResource> => {
      const resource = new SimResourceState(resourceOptions, `${DEFAULT_RESOURCE_NAME}-${resources.length + 1}`);
      if (resources.some((existing) => existing.resourceId.toLowerCase() === resource.resourceId.toLowerCase())) {
        throw new Error(`the simulator already has resource ${resource.resourceId}`);
      }
      const listener = await startEndpointListener(host, (name, req, res) => {
        void handleRequest(context, name, req, res, resource);
      });
      extraListeners.push(listener);
      resource.endpointHost = listener.authority;
      resources.push(resource);
      return resource;
    },
    storageUrl: baseUrls.storage,
    regionalUrl: baseUrls.regional,
    foreignUrl: baseUrls.foreign,
    get allowedHosts() {
      return [
        ...resources.map((resource) => resource.endpointHost),
        listeners.storage.authority,
        listeners.regional.authority,
      ];
    },
    addDocument: (documentId, documentOptions) => addDocument(documentId, documentOptions),
    document: (documentId) => store.get(documentId),
    setFaults: (documentId, faults) => store.setFaults(documentId, faults),
    contentRange: (documentId, start, end) => {
      const document = store.require(documentId);
      if (end > document.size)
        throw new RangeError(`end ${end} is past the size of "${documentId}" (${document.size})`);
      return content.bytes(documentId, start, end);
    },
    contentSha256: (documentId) => content.sha256Hex(documentId, store.require(documentId).size),
    metadataBytes: (documentId) => Buffer.from(store.require(documentId).metadata),
    urls,
    recordingEvent: ((spec: RecordingEventSpec) =>
      buildRecordingEvent(spec, {
        defaultTopic: first.resourceId,
        ensureDocument: (chunk, callId, chunkIndex, chunkStartTime) => {
          if (store.get(chunk.documentId)) return;
          const format = chunk.format ?? "mp4";
          const owner = spec.resourceId === undefined ? {} : { resourceId: spec.resourceId };
          addDocument(chunk.documentId, { size: chunk.size, format, ...owner }, { callId, chunkIndex, chunkStartTime });
        },
        urls,
      })) as AcsSimulator["recordingEvent"],
    postEvents,
    counters,
    resetCounters: () => resetCounters(counters),
    requests: context.requests,
    close: () => (closed ??= closeListeners([...Object.values(listeners), ...extraListeners])),
  };
  return simulator;
}

/** The resource with this id (case-insensitive), the first one when none is named; throws for an unknown id. */
function resourceNamed(resources: readonly SimResourceState[], resourceId: string | undefined): SimResourceState {
  const found =
    resourceId === undefined
      ? resources[0]
      : resources.find((resource) => resource.resourceId.toLowerCase() === resourceId.toLowerCase());
  if (!found) throw new Error(`the simulator has no resource ${resourceId ?? "(none)"}`);
  return found;
}
