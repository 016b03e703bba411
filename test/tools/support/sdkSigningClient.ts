import { createHash } from "node:crypto";
import { AzureKeyCredential } from "@azure/core-auth";
import { createCommunicationAccessKeyCredentialPolicy } from "@azure/communication-common";
import {
  createDefaultHttpClient,
  createEmptyPipeline,
  createHttpHeaders,
  createPipelineRequest,
  type PipelinePolicy,
} from "@azure/core-rest-pipeline";

export interface SdkResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/**
 * Sends requests signed by the official ACS access-key policy (@azure/communication-common), over a real
 * @azure/core-rest-pipeline HTTP client. Storage URLs are signed the way @azure/communication-call-automation's
 * contentDownloader does: it signs `endpoint origin + content path` with `x-ms-host: <endpoint host>`, then a
 * policy placed after the Sign phase points the request at the real content URL.
 */
export class SdkSigningClient {
  private readonly pipeline = createEmptyPipeline();
  private readonly httpClient = createDefaultHttpClient();

  constructor(
    accessKey: string,
    private readonly endpointUrl: string,
  ) {
    this.pipeline.addPolicy(createCommunicationAccessKeyCredentialPolicy(new AzureKeyCredential(accessKey)), {
      phase: "Sign",
    });
    this.pipeline.addPolicy(originalUrlPolicy, { afterPhase: "Sign" });
  }

  /** GET a 2021 preview API URL on the ACS endpoint, signed as is. */
  getPreview2021(url: string, headers: Record<string, string> = {}): Promise<SdkResponse> {
    return this.send("GET", url, headers);
  }

  /** GET or DELETE a storage-host URL, signed the call-automation SDK way. */
  storage(method: "GET" | "DELETE", contentUrl: string, headers: Record<string, string> = {}): Promise<SdkResponse> {
    const endpoint = new URL(this.endpointUrl);
    const signedUrl = endpoint.origin + new URL(contentUrl).pathname;
    return this.send(method, signedUrl, { ...headers, OriginalUrl: contentUrl, "x-ms-host": endpoint.host });
  }

  /** Streams a storage-host media URL and returns status, SHA-256 (hex) and length of the body. */
  async storageSha256(contentUrl: string): Promise<{ status: number; sha256: string; length: number }> {
    const endpoint = new URL(this.endpointUrl);
    const request = createPipelineRequest({
      url: endpoint.origin + new URL(contentUrl).pathname,
      method: "GET",
      headers: createHttpHeaders({ OriginalUrl: contentUrl, "x-ms-host": endpoint.host }),
      allowInsecureConnection: true,
      streamResponseStatusCodes: new Set([200, 206]),
    });
    const response = await this.pipeline.sendRequest(this.httpClient, request);
    const hash = createHash("sha256");
    let length = 0;
    const stream = response.readableStreamBody;
    if (!stream) throw new Error(`no stream, status ${response.status}`);
    for await (const chunk of stream) {
      const bytes = chunk as Buffer;
      hash.update(bytes);
      length += bytes.length;
    }
    return { status: response.status, sha256: hash.digest("hex"), length };
  }

  private async send(method: "GET" | "DELETE", url: string, headers: Record<string, string>): Promise<SdkResponse> {
    const request = createPipelineRequest({
      url,
      method,
      headers: createHttpHeaders(headers),
      allowInsecureConnection: true,
      streamResponseStatusCodes: new Set([200, 206]),
    });
    const response = await this.pipeline.sendRequest(this.httpClient, request);
    let body: Buffer;
    if (response.readableStreamBody) {
      const chunks: Buffer[] = [];
      for await (const chunk of response.readableStreamBody) chunks.push(chunk as Buffer);
      body = Buffer.concat(chunks);
    } else {
      body = Buffer.from(response.bodyAsText ?? "", "utf8");
    }
    return { status: response.status, headers: response.headers.toJSON(), body };
  }
}

/** The call-automation SDK's "CustomSignUrlPolicy": after signing, send to the URL in the OriginalUrl header. */
const originalUrlPolicy: PipelinePolicy = {
  name: "OriginalUrlAfterSignPolicy",
  sendRequest(request, next) {
    const original = request.headers.get("OriginalUrl");
    if (original) {
      request.url = original;
      request.headers.set("Host", new URL(original).host);
    }
    return next(request);
  },
};
