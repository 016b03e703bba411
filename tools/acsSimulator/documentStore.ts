import { defaultMetadata, metadataBuffer, type MetadataContext } from "./defaultMetadata";
import type { ArmedFault, FaultSpec, MediaFormat, SimDocument, SimDocumentOptions, SimListenerName } from "./types";

/** What a recording request asks for. */
export type RecordingResource = "content" | "metadata" | "delete";

const CONTENT_TYPES: Record<MediaFormat, string> = { mp4: "video/mp4", mp3: "audio/mpeg", wav: "audio/wav" };

class StoredDocument implements SimDocument {
  readonly contentType: string;
  readonly metadata: Buffer;
  deleted = false;
  faults: MutableFault[];

  constructor(
    readonly documentId: string,
    readonly resourceId: string,
    readonly size: number,
    readonly format: MediaFormat,
    readonly ignoreRange: boolean,
    readonly contentMd5: boolean,
    metadata: Buffer,
    faults: FaultSpec[],
  ) {
    this.contentType = CONTENT_TYPES[format];
    this.metadata = metadata;
    this.faults = arm(faults);
  }
}

interface MutableFault extends ArmedFault {
  remaining: number;
  /** Matching requests still to let pass before the fault applies. */
  skip: number;
}

/** The documents (recording chunks) a simulator holds, and the faults armed on them. */
export class DocumentStore {
  private readonly documents = new Map<string, StoredDocument>();

  /** `owner` finds the resource a document names (the first one when it names none) and throws for an unknown one. */
  constructor(
    private readonly owner: (resourceId: string | undefined) => {
      readonly resourceId: string;
      readonly metadataResourceId: string;
    },
  ) {}

  add(documentId: string, options: SimDocumentOptions, context: Partial<MetadataContext> = {}): SimDocument {
    if (!documentId) throw new Error("documentId must not be empty");
    if (!Number.isSafeInteger(options.size) || options.size < 0) {
      throw new RangeError(`document size must be a non-negative integer, got ${options.size}`);
    }
    const format = options.format ?? "mp4";
    const owner = this.owner(options.resourceId);
    const metadata =
      options.metadata ?? defaultMetadata({ ...context, documentId, format, resourceId: owner.metadataResourceId });
    const document = new StoredDocument(
      documentId,
      owner.resourceId,
      options.size,
      format,
      options.ignoreRange === true,
      options.contentMd5 === true,
      metadataBuffer(metadata),
      options.faults ?? [],
    );
    this.documents.set(documentId, document);
    return document;
  }

  get(documentId: string): SimDocument | undefined {
    return this.documents.get(documentId);
  }

  require(documentId: string): SimDocument {
    return this.stored(documentId);
  }

  /** A document that can be served: registered and not deleted. */
  live(documentId: string): SimDocument | undefined {
    const document = this.documents.get(documentId);
    return document && !document.deleted ? document : undefined;
  }

  markDeleted(documentId: string): void {
    const document = this.documents.get(documentId);
    if (document) document.deleted = true;
  }

  setFaults(documentId: string, faults: FaultSpec[]): void {
    this.stored(documentId).faults = arm(faults);
  }

  /**
   * Consumes the first armed fault that matches the request, if any. A redirect is not applied on the listener it
   * points to (a redirect to "regional" would otherwise loop for ever).
   */
  takeFault(documentId: string, resource: RecordingResource, listener: SimListenerName): FaultSpec | undefined {
    const document = this.documents.get(documentId);
    if (!document) return undefined;
    const matching = document.faults.filter(
      (armed) => armed.remaining > 0 && targets(armed.spec, resource) && !redirectsToItself(armed.spec, listener),
    );
    const fault = matching.find((armed) => armed.skip === 0);
    for (const waiting of matching) if (waiting.skip > 0) waiting.skip -= 1;
    if (!fault) return undefined;
    fault.remaining -= 1;
    return fault.spec;
  }

  private stored(documentId: string): StoredDocument {
    const document = this.documents.get(documentId);
    if (!document) throw new Error(`unknown simulator document "${documentId}"`);
    return document;
  }
}

function arm(faults: FaultSpec[]): MutableFault[] {
  return faults.map((spec) => ({
    spec: checkedFault(spec),
    remaining: spec.times ?? Number.POSITIVE_INFINITY,
    skip: spec.skipRequests ?? 0,
  }));
}

function checkedFault(spec: FaultSpec): FaultSpec {
  const positive = (value: number | undefined): boolean => value !== undefined && value > 0;
  if (spec.kind === "status" && spec.status === undefined) throw new Error("a status fault needs `status`");
  if (spec.kind === "bandwidth" && !positive(spec.bytesPerSecond))
    throw new Error("a bandwidth fault needs `bytesPerSecond` > 0");
  if (spec.kind === "stall" && !positive(spec.stallMs)) throw new Error("a stall fault needs `stallMs` > 0");
  if (spec.kind === "resize" && !(spec.size !== undefined && Number.isSafeInteger(spec.size) && spec.size >= 0))
    throw new Error("a resize fault needs `size` >= 0");
  if (spec.times !== undefined && !(spec.times >= 0)) throw new Error("`times` must be >= 0");
  return { ...spec };
}

function targets(spec: FaultSpec, resource: RecordingResource): boolean {
  const target = spec.target ?? "content";
  return target === "any" || target === resource;
}

function redirectsToItself(spec: FaultSpec, listener: SimListenerName): boolean {
  return spec.kind === "redirect" && (spec.redirectTo ?? "regional") === listener;
}
