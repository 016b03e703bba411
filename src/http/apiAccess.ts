import type { HttpHandler, HttpRequest, HttpResponse, HttpResponseInit, InvocationContext } from "@azure/functions";
import type { Settings } from "../config/settingParsers";
import { escapingLog, printable } from "../shared/logSafe";
import { isNonEmptyString, isRecord } from "../shared/untrustedJson";
import { errorAnswer } from "./errorResponse";

/**
 * Who may call the APIs that act on people and on calls — the participant (data-subject) API and the recording
 * control API — and the audit of every such call.
 *
 * Both register with `authLevel: "admin"`: the Functions host lets only the master key through, never the default
 * function key that intake, status and health accept. When App Service authentication (Microsoft Entra ID) runs in
 * front of the app (the platform sets WEBSITE_AUTH_ENABLED), the platform validates the caller's token and hands the
 * app the caller in `x-ms-client-principal*` headers, removing any the client sent: each API then also requires its
 * app role. Without it those headers are the client's own and are ignored: the caller is "key holder".
 *
 * Every call is audited in one log line (`Audit: {json}`): the API and action, the caller, when, the outcome (HTTP
 * status, or `error`), the invocation id and the route's recording id where there is one. Never a participant id:
 * the participant API's route and body are not read here.
 */
export interface ProtectedApi {
  /** `participants` or `recordingControl` (which also fixes the envelope of its error bodies: src/http/errorResponse.ts). */
  readonly api: "participants" | "recordingControl";
  /** What the function does, for the audit (`find participant recordings`, `stop recording`). */
  readonly action: string;
  /** The Microsoft Entra app role a caller needs when App Service authentication is on. */
  readonly role: string;
  /** Route parameters that name what was acted on and are safe to log (never a participant id). */
  readonly auditedParams?: readonly string[];
}

/** App roles the template's documentation asks you to create on the app registration (docs/deployment.md, "Who can call what"). */
export const API_ROLES = {
  participants: "Archive.DataSubjectRequests",
  recordingControl: "Recordings.Control",
} as const;

type Caller =
  | {
      readonly kind: "entra";
      readonly id: string;
      readonly name?: string;
      readonly identityProvider?: string;
      readonly roles: readonly string[];
    }
  | { readonly kind: "keyHolder" }
  | { readonly kind: "anonymous" };

/** The longest x-ms-client-principal header read (the platform's is a few KiB). */
const MAX_PRINCIPAL_HEADER_CHARS = 64 * 1024;
const ROLE_CLAIM_TYPES = ["roles", "http://schemas.microsoft.com/ws/2008/06/identity/claims/role"];

/** True when App Service authentication runs in front of the app (WEBSITE_AUTH_ENABLED, set by the platform). */
export function platformAuthenticationEnabled(settings: Settings = process.env): boolean {
  return (settings["WEBSITE_AUTH_ENABLED"] ?? "").trim().toLowerCase() === "true";
}

/** The caller of a request: the platform's principal when its authentication is on, otherwise the key holder. */
function callerOf(request: HttpRequest, platformAuthentication: boolean): Caller {
  if (!platformAuthentication) return { kind: "keyHolder" };
  const id = request.headers.get("x-ms-client-principal-id") ?? "";
  if (id === "") return { kind: "anonymous" };
  const name = request.headers.get("x-ms-client-principal-name") ?? undefined;
  const identityProvider = request.headers.get("x-ms-client-principal-idp") ?? undefined;
  return {
    kind: "entra",
    id,
    roles: principalRoles(request.headers.get("x-ms-client-principal")),
    ...(name ? { name } : {}),
    ...(identityProvider ? { identityProvider } : {}),
  };
}

/** App roles from the platform's `x-ms-client-principal` (base64 JSON: `{ claims: [{ typ, val }], role_typ }`). */
function principalRoles(header: string | null): string[] {
  if (!header || header.length > MAX_PRINCIPAL_HEADER_CHARS) return [];
  let principal: unknown;
  try {
    principal = JSON.parse(Buffer.from(header, "base64").toString("utf8")) as unknown;
  } catch {
    return [];
  }
  if (!isRecord(principal) || !Array.isArray(principal["claims"])) return [];
  const roleType = isNonEmptyString(principal["role_typ"]) ? principal["role_typ"] : undefined;
  const types = roleType ? [roleType, ...ROLE_CLAIM_TYPES] : ROLE_CLAIM_TYPES;
  return principal["claims"].flatMap((claim) =>
    isRecord(claim) && types.includes(String(claim["typ"])) && isNonEmptyString(claim["val"]) ? [claim["val"]] : [],
  );
}

function describeCaller(caller: Caller): Record<string, string> {
  switch (caller.kind) {
    case "entra":
      return {
        caller: `entra:${printable(caller.id, 64)}`,
        ...(caller.name ? { callerName: printable(caller.name, 128) } : {}),
      };
    case "keyHolder":
      return { caller: "key holder" };
    case "anonymous":
      return { caller: "anonymous" };
  }
}

/**
 * Wraps a handler: refuses a caller without the API's role when App Service authentication is on (401 without a
 * principal, 403 without the role), and audits every call, refused or not. `platformAuthentication` is read at the
 * first call (never at registration).
 */
export function protectedApi(
  api: ProtectedApi,
  handler: HttpHandler,
  options: { platformAuthentication?: () => boolean; now?: () => Date } = {},
): HttpHandler {
  const platformAuthentication = options.platformAuthentication ?? (() => platformAuthenticationEnabled());
  const now = options.now ?? (() => new Date());
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit | HttpResponse> => {
    const at = now().toISOString();
    const caller = callerOf(request, platformAuthentication());
    const target = Object.fromEntries(
      (api.auditedParams ?? []).flatMap((name) =>
        request.params[name] !== undefined ? [[name, printable(request.params[name], 128)]] : [],
      ),
    );
    const log = escapingLog(context);
    const audit = (outcome: number | "error"): void => {
      log.info(
        `Audit: ${JSON.stringify({ api: api.api, action: api.action, ...describeCaller(caller), at, outcome, invocationId: context.invocationId, ...target })}`,
      );
    };
    if (caller.kind === "anonymous") {
      audit(401);
      return errorAnswer(api.api, {
        code: "Unauthenticated",
        message: "Sign in with Microsoft Entra ID: send a bearer token for this app's registration.",
      });
    }
    if (caller.kind === "entra" && !caller.roles.includes(api.role)) {
      audit(403);
      return errorAnswer(api.api, { code: "Forbidden", message: `The caller does not have the app role ${api.role}.` });
    }
    let response: HttpResponseInit | HttpResponse;
    try {
      // The wrapped handler is a function of its own: it escapes its lines itself (escapingLog), as every function does.
      response = await handler(request, context);
    } catch (error) {
      audit("error");
      throw error;
    }
    audit(response.status ?? 200);
    return response;
  };
}
