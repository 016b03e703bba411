import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";

/**
 * ACS access-key requests may be dated at most 15 minutes away from the service clock. The ACS headers page
 * (https://learn.microsoft.com/rest/api/communication/headers) requires `Date`/`x-ms-date` in RFC 1123 form but
 * names no window; the same Microsoft HMAC-SHA256 scheme as documented for App Configuration
 * (https://learn.microsoft.com/azure/azure-app-configuration/rest-api-authentication-hmac) says the date
 * "can't be more than 15 minutes off from the current Coordinated Universal Time", as Azure Storage does.
 */
export const DEFAULT_MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

/** The two accepted SignedHeaders lists: today's SDKs, and the original 2021 quickstart (header `Date`). */
const SIGNED_HEADER_LISTS: ReadonlyMap<string, "x-ms-date" | "date"> = new Map([
  ["x-ms-date;host;x-ms-content-sha256", "x-ms-date"],
  ["date;host;x-ms-content-sha256", "date"],
]);

const RFC1123 =
  /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;

export interface HmacCheck {
  headers: IncomingHttpHeaders;
  method: string;
  /** What the client must have signed as path (and query). */
  pathAndQuery: string;
  /** What the client must have signed as host (Host header, or x-ms-host on storage hosts). */
  host: string;
  body: Buffer;
  /** base64-decoded access key. */
  key: Buffer;
  maxClockSkewMs: number;
  now: number;
}

export type HmacVerdict = { ok: true } | { ok: false; reason: string };

export function verifyHmac(check: HmacCheck): HmacVerdict {
  const authorization = single(check.headers.authorization);
  if (!authorization) return refuse("missing Authorization header");
  const parsed = parseAuthorization(authorization);
  if (typeof parsed === "string") return refuse(parsed);

  const dateHeader = SIGNED_HEADER_LISTS.get(parsed.signedHeaders.toLowerCase());
  if (!dateHeader) return refuse(`unsupported SignedHeaders "${parsed.signedHeaders}"`);
  const date = single(check.headers[dateHeader]);
  if (!date) return refuse(`missing ${dateHeader} header`);
  if (!RFC1123.test(date)) return refuse(`${dateHeader} is not an RFC 1123 date`);
  const signedAt = Date.parse(date);
  if (Number.isNaN(signedAt)) return refuse(`${dateHeader} is not a valid date`);
  const skew = signedAt - check.now;
  if (skew < -check.maxClockSkewMs) return refuse(`${dateHeader} is stale (${Math.round(-skew / 1000)} s old)`);
  if (skew > check.maxClockSkewMs) return refuse(`${dateHeader} is in the future (${Math.round(skew / 1000)} s ahead)`);

  const contentHash = single(check.headers["x-ms-content-sha256"]);
  if (!contentHash) return refuse("missing x-ms-content-sha256 header");
  if (contentHash !== sha256Base64(check.body)) return refuse("x-ms-content-sha256 does not match the body");

  const stringToSign = `${check.method.toUpperCase()}\n${check.pathAndQuery}\n${date};${check.host};${contentHash}`;
  const expected = createHmac("sha256", check.key).update(stringToSign, "utf8").digest();
  const given = Buffer.from(parsed.signature, "base64");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return refuse("signature mismatch (key, verb, path, date, host or content hash differ from what was signed)");
  }
  return { ok: true };
}

export function sha256Base64(body: Buffer | string): string {
  return createHash("sha256").update(body).digest("base64");
}

function parseAuthorization(value: string): { signedHeaders: string; signature: string } | string {
  const scheme = "HMAC-SHA256 ";
  if (!value.startsWith(scheme)) return "Authorization scheme is not HMAC-SHA256";
  const fields = new Map<string, string>();
  for (const part of value.slice(scheme.length).trim().split("&")) {
    const equals = part.indexOf("=");
    if (equals <= 0) return "malformed Authorization header";
    fields.set(part.slice(0, equals), part.slice(equals + 1));
  }
  const signedHeaders = fields.get("SignedHeaders");
  const signature = fields.get("Signature");
  if (!signedHeaders) return "Authorization lacks SignedHeaders";
  if (!signature) return "Authorization lacks Signature";
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(signature)) return "Signature is not base64";
  return { signedHeaders, signature };
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function refuse(reason: string): HmacVerdict {
  return { ok: false, reason };
}
