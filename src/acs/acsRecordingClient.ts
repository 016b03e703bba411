import { AzureKeyCredential } from "@azure/core-auth";
import { createCommunicationAccessKeyCredentialPolicy } from "@azure/communication-common";
import {
  createDefaultHttpClient,
  createEmptyPipeline,
  createPipelineRequest,
  type HttpClient,
  type Pipeline,
  type PipelinePolicy,
  type PipelineRequest,
  type PipelineResponse,
} from "@azure/core-rest-pipeline";
import type { AcsConnection } from "../config/acsConnectionString";
import type { AcsKeyName, AcsResourceConnection } from "../config/acsResources";
import { downloadUrlProblem, isLoopbackHost, type DownloadHostPolicy } from "../config/downloadHosts";
import { AcsHttpError, DownloadUrlRejectedError, TransferInterruptedError } from "../errors";
import { documentNamedBy } from "../queue/chunkLocations";
import { printable } from "../shared/logSafe";
import type { Log } from "../shared/log";
import { inSpan } from "../telemetry/spans";
import { discardBody } from "../shared/bodyReading";
import { errorDetail, retryAfterMs } from "./acsErrorAnswer";
import { AcsKeyChoice, describeKey, reportKeyChange } from "./acsKeyChoice";

// Why not `@azure/communication-call-automation`'s CallRecording.downloadStreaming/delete: it refuses any
// host but *.asm.skype.com & co. over https (so it cannot reach the local simulator), throws when
// offset is 0 and a length is given (our first ranged GET), throws plain objects instead of Errors,
// crashes on non-JSON error bodies and has no parallel or resumable download. We keep its signing
// scheme and use the maintained HMAC policy from @azure/communication-common on a core-rest-pipeline.

const PREVIEW_2021_API_VERSION = "2021-04-15-preview1";
const MAX_REDIRECTS = 5;
const HEADERS_TIMEOUT_MS = 30_000;
/** Every status is streamed: core-rest-pipeline would otherwise buffer the body without bound or deadline. */
const STREAM_EVERY_STATUS = new Set([Number.POSITIVE_INFINITY]);

export interface AcsRequestOptions {
  /** Byte range, inclusive end; open-ended when `end` is omitted. */
  readonly range?: { readonly start: number; readonly end?: number };
  readonly abortSignal?: AbortSignal;
  /** Which message field the URL came from, for error messages. */
  readonly field: string;
}

export interface AcsResponse {
  readonly status: number;
  readonly headers: PipelineResponse["headers"];
  /** Streamed body for 200/206 GETs; the caller must consume or destroy it. */
  readonly body?: NodeJS.ReadableStream;
}

/** Where a request to a storage host really goes; the signature covers the ACS endpoint instead. */
const storageTargets = new WeakMap<PipelineRequest, string>();

const sendToStorageHost: PipelinePolicy = {
  name: "sendToStorageHost",
  async sendRequest(request, next) {
    const target = storageTargets.get(request);
    if (target) {
      request.url = target;
      request.headers.set("Host", new URL(target).host);
    }
    return next(request);
  },
};

function signingPipeline(key: AcsConnection): Pipeline {
  const pipeline = createEmptyPipeline();
  pipeline.addPolicy(createCommunicationAccessKeyCredentialPolicy(new AzureKeyCredential(key.accessKey)), {
    phase: "Sign",
  });
  pipeline.addPolicy(sendToStorageHost, { afterPhase: "Sign" });
  return pipeline;
}

/** ACS refuses a signature (a wrong, regenerated or rotated key) with 401; 403 is taken the same way. */
function isRefusal(error: AcsHttpError): boolean {
  return error.statusCode === 401 || error.statusCode === 403;
}

/**
 * One ACS resource's keys: a signing pipeline per key and the process-wide choice between them (acsKeyChoice.ts).
 * Shared by every client of the resource, so what one request learnt about the keys serves all the others.
 */
export class AcsKeyRing {
  readonly endpoint: URL;
  readonly choice: AcsKeyChoice;
  private readonly pipelines: Map<AcsKeyName, Pipeline>;

  constructor(
    readonly connection: AcsResourceConnection,
    now?: () => number,
  ) {
    this.endpoint = new URL(connection.primary.endpoint);
    this.choice = new AcsKeyChoice(connection.secondary !== undefined, now);
    this.pipelines = new Map([["primary", signingPipeline(connection.primary)]]);
    if (connection.secondary) this.pipelines.set("secondary", signingPipeline(connection.secondary));
  }

  pipeline(key: AcsKeyName): Pipeline {
    const pipeline = this.pipelines.get(key);
    if (!pipeline) throw new Error(`no ${key} key`);
    return pipeline;
  }

  describe(key: AcsKeyName): string {
    return describeKey(this.connection, key);
  }
}

export interface AcsClientOptions {
  readonly httpClient?: HttpClient;
  /** Where key changes are reported (a warning when the other key had to be used). */
  readonly log?: Log;
}

/**
 * Signed access to ACS recording files of one resource. Every request (and every redirect hop) is checked against
 * the download host allowlist before it is signed; each attempt is signed afresh by the pipeline. A request whose
 * key is refused (401/403) is sent once more with the resource's other key, when it has one (key rotation: docs/architecture.md,
 * "Several ACS resources and key rotation"); the key that worked is remembered for the process.
 */
export class AcsRecordingClient {
  private readonly httpClient: HttpClient;

  /** `keys` are shared by every client of the resource (AcsClients keeps one per resource for the process). */
  constructor(
    private readonly keys: AcsKeyRing,
    private readonly hosts: DownloadHostPolicy,
    private readonly options: AcsClientOptions = {},
  ) {
    this.httpClient = options.httpClient ?? createDefaultHttpClient();
  }

  /** The 2021 preview API's download URLs, used when a chunk has no contentLocation/metadataLocation. */
  preview2021Url(documentId: string, part: "content" | "metadata"): string {
    const path = `/recording/download/${encodeURIComponent(documentId)}${part === "metadata" ? "/metadata" : ""}`;
    return `${this.keys.endpoint.origin}${path}?api-version=${PREVIEW_2021_API_VERSION}`;
  }

  async get(url: string, options: AcsRequestOptions): Promise<AcsResponse> {
    return this.send("GET", url, options);
  }

  async delete(url: string, options: AcsRequestOptions): Promise<AcsResponse> {
    return this.send("DELETE", url, options);
  }

  private async send(method: "GET" | "DELETE", url: string, options: AcsRequestOptions): Promise<AcsResponse> {
    let current = url;
    for (let hop = 0; ; hop++) {
      const problem = downloadUrlProblem(this.hosts, current);
      if (problem)
        throw new DownloadUrlRejectedError(
          hop === 0 ? options.field : `${options.field} (redirected to ${safeUrl(current)})`,
          problem,
        );
      const response = await this.sendSigned(method, current, options);
      const location = response.headers.get("location");
      if (response.status >= 300 && response.status < 400 && location) {
        if (hop >= MAX_REDIRECTS)
          throw new AcsHttpError(response.status, `${method} ${safeUrl(url)}`, `more than ${MAX_REDIRECTS} redirects`);
        current = new URL(location, current).toString();
        // A redirect may move the request to another host (checked above, per hop), never to another recording: a GET
        // would archive that document's bytes under this chunk's name, a DELETE would delete it before it is archived.
        const named = documentNamedBy(url);
        const redirected = documentNamedBy(current);
        if (named !== undefined && redirected !== undefined && redirected !== named)
          throw new DownloadUrlRejectedError(
            `${options.field} (redirected to ${safeUrl(current)})`,
            `names document ${printable(redirected)}, not ${printable(named)} that was asked for`,
          );
        continue;
      }
      return response;
    }
  }

  /** One request, signed with the chosen key, and once more with the other key when the first is refused. */
  private async sendSigned(method: "GET" | "DELETE", url: string, options: AcsRequestOptions): Promise<AcsResponse> {
    const { choice } = this.keys;
    const first = choice.first();
    try {
      const response = await this.sendOnce(method, url, options, first);
      reportKeyChange(this.options.log, this.keys.connection, choice.accepted(first), first);
      return response;
    } catch (error) {
      if (!(error instanceof AcsHttpError) || !isRefusal(error)) throw error;
      const status = error.statusCode;
      const other = choice.other(first);
      if (other === undefined)
        throw new AcsHttpError(
          status,
          error.operation,
          `${error.detail} (signed with ${this.keys.describe(first)})`.trim(),
        );
      try {
        const response = await this.sendOnce(method, url, options, other);
        reportKeyChange(this.options.log, this.keys.connection, choice.accepted(other, first), other, {
          key: first,
          status,
        });
        return response;
      } catch (second) {
        if (!(second instanceof AcsHttpError) || !isRefusal(second)) throw second;
        const both = `${this.keys.describe(first)} was refused with HTTP ${status}, ${this.keys.describe(other)} with HTTP ${second.statusCode}`;
        throw new AcsHttpError(second.statusCode, second.operation, `${second.detail} (${both})`.trim());
      }
    }
  }

  private async sendOnce(
    method: "GET" | "DELETE",
    url: string,
    options: AcsRequestOptions,
    key: AcsKeyName,
  ): Promise<AcsResponse> {
    const target = new URL(url);
    const { endpoint } = this.keys;
    const onEndpoint = target.host === endpoint.host;
    // Storage-host URLs are signed the way the official SDKs sign them: the ACS endpoint's origin plus
    // the URL's path, with x-ms-host naming the endpoint; the request itself then goes to the real URL.
    const request = createPipelineRequest({
      url: onEndpoint ? url : `${endpoint.origin}${target.pathname}`,
      method,
      timeout: HEADERS_TIMEOUT_MS,
      allowInsecureConnection: isLoopbackHost(target.hostname),
      streamResponseStatusCodes: STREAM_EVERY_STATUS,
      ...(options.abortSignal ? { abortSignal: options.abortSignal } : {}),
    });
    if (!onEndpoint) {
      storageTargets.set(request, url);
      request.headers.set("x-ms-host", endpoint.host);
    }
    if (options.range) request.headers.set("Range", `bytes=${options.range.start}-${options.range.end ?? ""}`);
    let response: PipelineResponse;
    try {
      const attributes = {
        "http.request.method": method,
        "server.address": target.hostname,
        "archiver.ranged": options.range !== undefined,
      };
      response = await inSpan(`ACS ${method}`, attributes, async (span) => {
        const answer = await this.keys.pipeline(key).sendRequest(this.httpClient, request);
        span.setAttribute("http.response.status_code", answer.status);
        return answer;
      });
    } catch (error) {
      throw new TransferInterruptedError(
        `${method} ${safeUrl(url)} failed: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
    const body = response.readableStreamBody;
    if (method === "GET" && (response.status === 200 || response.status === 206)) {
      return { status: response.status, headers: response.headers, ...(body ? { body } : {}) };
    }
    // Redirects and successes without a media body: nothing in the body is wanted.
    if ((response.status >= 200 && response.status < 400) || response.status === 416) {
      discardBody(body);
      return { status: response.status, headers: response.headers };
    }
    const detail = await errorDetail(body, { abortSignal: options.abortSignal });
    throw new AcsHttpError(
      response.status,
      `${method} ${safeUrl(url)}`,
      detail,
      retryAfterMs(response.headers.get("retry-after")),
    );
  }
}

/** A URL without its query string (which may carry tokens), for messages. */
export function safeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return "(invalid URL)";
  }
}
