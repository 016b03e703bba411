import type { FaultKind, SimCounters, SimCounts } from "./types";

/** Every fault kind the simulator knows (the CLI's --fault accepts these). */
export const FAULT_KINDS: readonly FaultKind[] = [
  "reset",
  "truncate",
  "status",
  "redirect",
  "expired",
  "bandwidth",
  "stall",
  "closeDelimited",
  "endlessErrorBody",
  "dropTerminator",
  "resize",
  "badMd5",
];

function createCounts(): SimCounts {
  return {
    requests: 0,
    contentRequests: 0,
    contentBytesServed: 0,
    metadataRequests: 0,
    metadataBytesServed: 0,
    deletes: 0,
    unauthorized: 0,
    notFound: 0,
    faultsInjected: zeroFaults(),
  };
}

export function createCounters(): SimCounters {
  return { totals: { ...createCounts(), foreignRequests: 0, endpointRouteRequests: 0 }, documents: {} };
}

/** The counts of one document, created on first use. */
export function documentCounts(counters: SimCounters, documentId: string): SimCounts {
  const existing = counters.documents[documentId];
  if (existing) return existing;
  const created = createCounts();
  counters.documents[documentId] = created;
  return created;
}

/** Applies `change` to the totals and, when a document is named, to that document's counts. */
export function count(
  counters: SimCounters,
  documentId: string | undefined,
  change: (counts: SimCounts) => void,
): void {
  change(counters.totals);
  if (documentId !== undefined) change(documentCounts(counters, documentId));
}

/** Zeroes every count in place, so references held by tests stay live. */
export function resetCounters(counters: SimCounters): void {
  zero(counters.totals);
  counters.totals.foreignRequests = 0;
  counters.totals.endpointRouteRequests = 0;
  for (const counts of Object.values(counters.documents)) zero(counts);
}

function zero(counts: SimCounts): void {
  counts.requests = 0;
  counts.contentRequests = 0;
  counts.contentBytesServed = 0;
  counts.metadataRequests = 0;
  counts.metadataBytesServed = 0;
  counts.deletes = 0;
  counts.unauthorized = 0;
  counts.notFound = 0;
  for (const kind of FAULT_KINDS) counts.faultsInjected[kind] = 0;
}

function zeroFaults(): Record<FaultKind, number> {
  return Object.fromEntries(FAULT_KINDS.map((kind) => [kind, 0])) as Record<FaultKind, number>;
}
