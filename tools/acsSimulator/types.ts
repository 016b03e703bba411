import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import type { CloudEvent, EventGridEvent, RecordingEventSpec } from "./eventTypes";

/** The four loopback listeners of the simulator. */
export type SimListenerName = "endpoint" | "storage" | "regional" | "foreign";

export type MediaFormat = "mp4" | "mp3" | "wav";

export type SimKeyName = "primary" | "secondary";

/** A simulated ACS resource's identity and keys (the first one comes from StartAcsSimulatorOptions). */
export interface SimResourceOptions {
  /** The resource's name, the last segment of its id (default "acs-sim", then "acs-sim-2", …). */
  name?: string;
  /** The ARM resource id events name as topic; default `/subscriptions/0…/resourceGroups/rg/providers/…/<name>`. */
  resourceId?: string;
  /** Base64 primary access key; a random 32-byte key when omitted. */
  accessKey?: string;
  /** Base64 secondary access key; a random 32-byte key when omitted. Either key signs valid requests. */
  secondaryKey?: string;
}

/** One ACS resource of the simulator: its own endpoint listener and keys; the storage hosts are shared, as in ACS. */
export interface SimResource {
  readonly resourceId: string;
  readonly name: string;
  /** The resource's endpoint, no trailing slash. */
  readonly endpointUrl: string;
  /** host:port of the endpoint: what storage hosts require in x-ms-host. */
  readonly endpointHost: string;
  /** The current primary key (changes with regenerateKey). */
  readonly accessKey: string;
  readonly secondaryKey: string;
  /** `endpoint=${endpointUrl}/;accesskey=${accessKey}` */
  readonly connectionString: string;
  /** The same with the secondary key. */
  readonly secondaryConnectionString: string;
  /** Replaces one key (random, or the one given) and returns it: from now on the old value is refused (401). */
  regenerateKey(which: SimKeyName, accessKey?: string): string;
  /** Adds a route to this resource's endpoint listener; requests reaching it are already HMAC-verified. */
  addEndpointRoute(route: EndpointRoute): void;
}

export interface StartAcsSimulatorOptions extends Omit<SimResourceOptions, "accessKey"> {
  /** Base64 access key; a random 32-byte key when omitted. */
  accessKey?: string;
  /** Interface to listen on; default "127.0.0.1". */
  host?: string;
  /** Accepted distance between the signed date and the simulator's clock; default 15 minutes. */
  maxClockSkewMs?: number;
  /** Fixed ports (0 or omitted: a free port). The CLI uses `endpoint`. */
  ports?: Partial<Record<SimListenerName, number>>;
}

export type FaultKind =
  | "reset"
  | "truncate"
  | "status"
  | "redirect"
  | "expired"
  | "bandwidth"
  | "stall"
  | "closeDelimited"
  | "endlessErrorBody"
  | "dropTerminator"
  | "resize"
  | "badMd5";
export type FaultTarget = "content" | "metadata" | "delete" | "any";

export interface FaultSpec {
  kind: FaultKind;
  /** Which requests of the document the fault applies to; default "content". */
  target?: FaultTarget;
  /** Apply to the first K matching requests; always when omitted. */
  times?: number;
  /** Let this many matching requests pass untouched before the fault applies (a fault mid-download). */
  skipRequests?: number;
  /**
   * reset/truncate: body bytes sent before the socket is reset (RST, 50 ms after the bytes were handed to the
   * kernel, so a reading client gets them) or closed cleanly (truncate; default half the body). A reset without
   * afterBytes happens before any response.
   */
  afterBytes?: number;
  /** status: the HTTP status to answer with. */
  status?: number;
  /** status 429/503: adds a Retry-After header when set. */
  retryAfterSeconds?: number;
  /** redirect: 302 to the same path on the regional or foreign listener, or to an absolute URL. */
  // `string & {}` keeps the two names visible to editors (a plain `| string` would swallow them).
  redirectTo?: "regional" | "foreign" | (string & {});
  /** bandwidth: cap for the response body, bytes per second. */
  bytesPerSecond?: number;
  /** stall: headers (and `afterBytes` body bytes, when set) are sent, then nothing for stallMs, then the rest. */
  stallMs?: number;
  /** resize: this answer describes a source of `size` bytes (its Content-Range total and length), as if the file changed. */
  size?: number;
}

export interface SimDocumentOptions {
  /** Media size in bytes; content is generated on the fly, never held in memory. */
  size: number;
  /** video/mp4, audio/mpeg, audio/wav; default mp4. */
  format?: MediaFormat;
  /** Metadata JSON body to serve (a string is served verbatim); a realistic default when omitted. */
  metadata?: string | object;
  /** Behave like a server that ignores Range: 200 + whole body, no Content-Range. */
  ignoreRange?: boolean;
  /** Send the whole file's Content-MD5 on 200 answers for the media (ACS may; the archiver then verifies it). */
  contentMd5?: boolean;
  faults?: FaultSpec[];
  /** The resource (id) that owns the recording: only requests signed for it are served (others get 403). Default: the first. */
  resourceId?: string;
}

/** A recording file (one chunk) held by the simulator. */
export interface SimDocument {
  readonly documentId: string;
  /** The ACS resource (id) whose recording this is. */
  readonly resourceId: string;
  readonly size: number;
  readonly format: MediaFormat;
  /** Media content type: video/mp4, audio/mpeg or audio/wav. */
  readonly contentType: string;
  readonly ignoreRange: boolean;
  readonly contentMd5: boolean;
  /** True once a DELETE succeeded; GETs then answer 404. */
  readonly deleted: boolean;
  /** The faults still armed (times already used up are reflected in `remaining`). */
  readonly faults: ReadonlyArray<ArmedFault>;
  readonly metadata: Buffer;
}

export interface ArmedFault {
  readonly spec: FaultSpec;
  /** Requests this fault still applies to; Infinity when `times` was omitted. */
  readonly remaining: number;
}

/** Counts for one document, or for all requests together. */
export interface SimCounts {
  requests: number;
  contentRequests: number;
  /** Media body bytes accepted by the socket (at most what a client could have received). */
  contentBytesServed: number;
  metadataRequests: number;
  metadataBytesServed: number;
  deletes: number;
  unauthorized: number;
  notFound: number;
  faultsInjected: Record<FaultKind, number>;
}

export interface SimCounters {
  readonly totals: SimCounts & { foreignRequests: number; endpointRouteRequests: number };
  /** Per document id; an entry exists from the moment a document is registered or named in a request. */
  readonly documents: Record<string, SimCounts>;
}

export interface SimRequestRecord {
  readonly at: Date;
  readonly listener: SimListenerName;
  readonly method: string;
  /** The raw request target (path and query). */
  readonly url: string;
  readonly hostHeader: string | undefined;
  readonly headers: IncomingHttpHeaders;
  readonly range: string | undefined;
  documentId: string | undefined;
  /** 0 until the response headers are sent (or when the socket was reset before any response). */
  status: number;
  authorized: boolean;
  /** Why the signature was refused (never the signature or key). */
  authFailure?: string;
  /** The resource the request was signed for (endpoint listener, or x-ms-host on storage hosts), once verified. */
  resourceId?: string;
  /** Which of that resource's keys signed it. */
  signedWith?: SimKeyName;
  fault?: FaultKind;
  bytesSent: number;
  /** True once the exchange is over (response finished or socket closed). */
  done: boolean;
}

export type EndpointRoute = (req: IncomingMessage, res: ServerResponse, body: Buffer) => boolean | Promise<boolean>;

export interface DocumentUrls {
  contentLocation: string;
  metadataLocation: string;
  deleteLocation: string;
  preview2021Content: string;
  preview2021Metadata: string;
}

export interface PostEventsOptions {
  schema?: "eventgrid" | "cloudevents";
  headers?: Record<string, string>;
}

/** The simulator; as a SimResource it is its first ACS resource (the one tests of a single resource use). */
export interface AcsSimulator extends SimResource {
  /** Every ACS resource of the simulator, the first one first. */
  readonly resources: readonly SimResource[];
  /** Adds an ACS resource with its own endpoint listener and keys (documents name it by `resourceId`). */
  addResource(options?: SimResourceOptions): Promise<SimResource>;
  /** The fake recording storage host (like https://us-storage.asm.skype.com). */
  readonly storageUrl: string;
  /** A second storage host that 302 redirects may point to. */
  readonly regionalUrl: string;
  /** A host that is NOT an ACS host; it records whatever reaches it. */
  readonly foreignUrl: string;
  /** host:port of every resource's endpoint, and of the storage and regional listeners. */
  readonly allowedHosts: string[];
  addDocument(documentId: string, options: SimDocumentOptions): SimDocument;
  document(documentId: string): SimDocument | undefined;
  setFaults(documentId: string, faults: FaultSpec[]): void;
  /** Deterministic bytes of a document, [start, end). */
  contentRange(documentId: string, start: number, end: number): Buffer;
  /** SHA-256 (hex) of the whole content of a document (streamed, cached). */
  contentSha256(documentId: string): string;
  metadataBytes(documentId: string): Buffer;
  urls(documentId: string): DocumentUrls;
  recordingEvent(spec: RecordingEventSpec & { schema: "cloudevents" }): CloudEvent;
  recordingEvent(spec: RecordingEventSpec & { schema?: "eventgrid" }): EventGridEvent;
  recordingEvent(spec: RecordingEventSpec): EventGridEvent | CloudEvent;
  postEvents(url: string, events: object[], options?: PostEventsOptions): Promise<{ status: number; body: string }>;
  readonly counters: SimCounters;
  resetCounters(): void;
  readonly requests: SimRequestRecord[];
  close(): Promise<void>;
}
