import type { DocumentContent } from "./documentContent";
import type { DocumentStore } from "./documentStore";
import type { SimResourceState } from "./simResources";
import type { SimCounters, SimListenerName, SimRequestRecord } from "./types";

/** The state one simulator's listeners share. */
export interface SimContext {
  /** The simulated ACS resources, the first one first (each with its endpoint listener and keys). */
  readonly resources: SimResourceState[];
  readonly maxClockSkewMs: number;
  /** Base URL (no trailing slash) of each listener. */
  readonly baseUrls: Record<SimListenerName, string>;
  readonly store: DocumentStore;
  readonly content: DocumentContent;
  readonly counters: SimCounters;
  readonly requests: SimRequestRecord[];
}
