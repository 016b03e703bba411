import type { DocumentContent } from "./documentContent";
import type { DocumentStore } from "./documentStore";
import type { EndpointRoute, SimCounters, SimListenerName, SimRequestRecord } from "./types";

/** The state one simulator's listeners share. */
export interface SimContext {
  /** base64-decoded access key. */
  readonly key: Buffer;
  readonly maxClockSkewMs: number;
  /** host:port of the ACS endpoint: what storage hosts require in x-ms-host and what gets signed there. */
  endpointHost: string;
  /** Base URL (no trailing slash) of each listener. */
  readonly baseUrls: Record<SimListenerName, string>;
  readonly store: DocumentStore;
  readonly content: DocumentContent;
  readonly counters: SimCounters;
  readonly requests: SimRequestRecord[];
  readonly endpointRoutes: EndpointRoute[];
}
