import { createHash, createHmac } from "node:crypto";
import { request } from "node:http";

export interface HandSignedRequest {
  accessKey: string;
  method?: "GET" | "DELETE" | "POST" | "PUT";
  /** Where the request goes. */
  url: string;
  /** What gets signed; defaults follow the original 2021 quickstart (the URL's path and query, its host). */
  signedPathAndQuery?: string;
  signedHost?: string;
  /** "x-ms-date" (today) or "date" (the original 2021 quickstart's `Date` header). */
  dateHeader?: "x-ms-date" | "date";
  date?: Date;
  body?: string;
  /** Overrides the x-ms-content-sha256 header (the signature still uses the header value). */
  contentHash?: string;
  headers?: Record<string, string>;
  /** Header names to leave out after signing. */
  omit?: string[];
  /** Give up after this long without a response or body bytes (ms). */
  timeoutMs?: number;
  /** Stop reading (and drop the connection) once the body is larger than this; error "limit". */
  maxBodyBytes?: number;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** True when the body arrived completely (as long as Content-Length promised). */
  complete: boolean;
  /** Network error code (ECONNRESET, ...), "timeout", or undefined. */
  error?: string;
}

/** Signs like the original 2021 quickstart's HmacAuthenticationUtils (hand-written crypto) and sends with node:http. */
export function handSignedRequest(options: HandSignedRequest): Promise<RawResponse> {
  const url = new URL(options.url);
  const method = options.method ?? "GET";
  const body = options.body ?? "";
  const dateHeader = options.dateHeader ?? "x-ms-date";
  const date = (options.date ?? new Date()).toUTCString();
  const contentHash = options.contentHash ?? createHash("sha256").update(body).digest("base64");
  const pathAndQuery = options.signedPathAndQuery ?? `${url.pathname}${url.search}`;
  const host = options.signedHost ?? url.host;
  const stringToSign = `${method}\n${pathAndQuery}\n${date};${host};${contentHash}`;
  const signature = createHmac("sha256", Buffer.from(options.accessKey, "base64"))
    .update(stringToSign)
    .digest("base64");
  const headers: Record<string, string> = {
    [dateHeader]: date,
    "x-ms-content-sha256": contentHash,
    Authorization: `HMAC-SHA256 SignedHeaders=${dateHeader};host;x-ms-content-sha256&Signature=${signature}`,
    ...options.headers,
  };
  for (const name of options.omit ?? []) delete headers[name];
  return send(url, method, headers, body, options.timeoutMs, options.maxBodyBytes);
}

export function send(
  url: URL,
  method: string,
  headers: Record<string, string>,
  body = "",
  timeoutMs?: number,
  maxBodyBytes?: number,
): Promise<RawResponse> {
  return new Promise((resolve) => {
    let status = 0;
    let responseHeaders: RawResponse["headers"] = {};
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = (complete: boolean, error?: string): void => {
      if (settled) return;
      settled = true;
      resolve({ status, headers: responseHeaders, body: Buffer.concat(chunks), complete, ...(error ? { error } : {}) });
    };
    const allHeaders = body ? { ...headers, "Content-Length": String(Buffer.byteLength(body)) } : headers;
    const req = request(url, { method, headers: allHeaders, agent: false }, (res) => {
      status = res.statusCode ?? 0;
      responseHeaders = res.headers;
      let received = 0;
      res.on("data", (chunk: Buffer) => {
        chunks.push(chunk);
        received += chunk.length;
        if (maxBodyBytes !== undefined && received > maxBodyBytes) {
          finish(false, "limit");
          req.destroy();
        }
      });
      res.on("end", () => finish(res.complete));
      res.on("error", (error: NodeJS.ErrnoException) => finish(false, error.code ?? error.message));
      res.on("close", () => finish(res.complete, res.complete ? undefined : "closed"));
    });
    if (timeoutMs !== undefined) {
      req.setTimeout(timeoutMs, () => {
        finish(false, "timeout");
        req.destroy();
      });
    }
    req.on("error", (error: NodeJS.ErrnoException) => finish(false, error.code ?? error.message));
    req.end(body);
  });
}

/**
 * GET a storage-host URL of the simulator signed the way the SDKs sign it (endpoint origin + path, `x-ms-host`),
 * over node:http, to observe resets, short bodies and framing. `limits` bound the wait and the body read.
 */
export function signedStorageGet(
  sim: { accessKey: string; endpointUrl: string },
  url: string,
  headers: Record<string, string> = {},
  limits: { timeoutMs?: number; maxBodyBytes?: number } = {},
): Promise<RawResponse> {
  const endpointHost = new URL(sim.endpointUrl).host;
  return handSignedRequest({
    accessKey: sim.accessKey,
    url,
    signedPathAndQuery: new URL(url).pathname,
    signedHost: endpointHost,
    headers: { "x-ms-host": endpointHost, ...headers },
    ...limits,
  });
}
