import { isRestError } from "@azure/core-rest-pipeline";
import type { Configuration } from "../app/serviceProvider";
import {
  acsResourcesSetting,
  hostStorageSetting,
  recordingsContainerSetting,
  recordingsStorageSetting,
  triggerQueueName,
} from "../config/appConfig";
import { acsConnections, type AcsResourceConnection } from "../config/acsResources";
import type { Settings } from "../config/settingParsers";
import { AppNotConfiguredError, ConfigError } from "../errors";
import { storageSignal } from "../storage/storageDeadline";
import { createBlobServiceClient, createQueueServiceClient } from "../storage/storageClients";
import {
  HealthCheck,
  PROBE_TIMEOUT_MS,
  type ConfigurationStatus,
  type DependencyProbe,
  type ProbeResult,
} from "./healthCheck";
import { isNotFound } from "../shared/errorKinds";
import { isAbortOrTimeout } from "../shared/cancellation";

/** One try per probe: a health answer must come within seconds, and a failing dependency should say so at once. */
const PROBE_RETRY = { retryOptions: { maxTries: 1, tryTimeoutInMs: PROBE_TIMEOUT_MS } };

/**
 * Builds the health check once, from the settings read at start: the configuration's validity (the first bad setting's
 * name), and a probe per dependency whose own settings are usable (a dependency whose setting is bad is reported
 * as not checked, naming the setting). Clients are built here, once; nothing is probed until the check runs.
 */
export function createHealthCheck(configuration: Configuration): HealthCheck {
  const { settings } = configuration;
  const status: ConfigurationStatus = configuration.valid
    ? { valid: true }
    : {
        valid: false,
        invalidSetting: configuration.error.setting,
        problem: configuration.error.problemKind,
        message: new AppNotConfiguredError(configuration.error).message,
      };
  return new HealthCheck(status, {
    hostStorage: probeFor(() => queueProbe(settings)),
    archiveContainer: probeFor(() => containerProbe(settings)),
    acsEndpoint: probeFor(() => acsEndpointsProbe(acsConnections(acsResourcesSetting(settings)))),
  });
}

/** The probe, or one that reports the setting that keeps it from running. */
function probeFor(build: () => DependencyProbe): DependencyProbe {
  try {
    return build();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return () => Promise.resolve({ ok: false, detail: `not checked: setting ${error.setting} is not usable` });
  }
}

/** The chunk queue in host storage: it answers (a queue not created yet is fine: intake creates it). */
function queueProbe(settings: Settings): DependencyProbe {
  const queue = createQueueServiceClient(hostStorageSetting(settings), PROBE_RETRY).getQueueClient(
    triggerQueueName(settings),
  );
  return storageProbe((options) => queue.getProperties(options), "the chunk queue", "intake");
}

/** The archive container: it answers (a container not created yet is fine: the archiver creates it). */
function containerProbe(settings: Settings): DependencyProbe {
  const storage = recordingsStorageSetting(settings, hostStorageSetting(settings));
  const container = createBlobServiceClient(storage, PROBE_RETRY).getContainerClient(
    recordingsContainerSetting(settings),
  );
  return storageProbe((options) => container.getProperties(options), "the archive container", "the archiver");
}

function storageProbe(
  getProperties: (options: { abortSignal: AbortSignal }) => Promise<unknown>,
  what: string,
  creator: string,
): DependencyProbe {
  return async (signal) => {
    try {
      await getProperties({ abortSignal: storageSignal(signal) });
      return { ok: true, detail: `${what} answered` };
    } catch (error) {
      return storageFailure(error, `${what} does not exist yet (${creator} creates it)`);
    }
  };
}

/** Status and error code only: a Storage error's message can carry request details. */
function storageFailure(error: unknown, notFound: string): ProbeResult {
  if (isNotFound(error)) return { ok: true, detail: notFound };
  if (isRestError(error) && error.statusCode !== undefined) {
    return {
      ok: false,
      detail: `answered HTTP ${error.statusCode}${typeof error.code === "string" ? ` (${error.code})` : ""}`,
    };
  }
  return { ok: false, detail: `no answer${networkCode(error)}` };
}

/**
 * Every configured ACS endpoint answers HTTP: an unauthenticated GET of its root (any status proves it answers; the
 * body is not read), all at once. It sends no key, so it cannot leak one, and proves reachability only: a wrong key
 * shows up as 401 in the control API (502 UpstreamFailure) and in archive-failures/ records.
 */
function acsEndpointsProbe(connections: readonly AcsResourceConnection[]): DependencyProbe {
  return async (signal) => {
    const results = await Promise.all(
      connections.map((connection) => acsEndpointProbe(connection.primary.endpoint, signal)),
    );
    const [only] = results;
    if (only && results.length === 1) return only;
    const detail = connections
      .map((connection, at) => `${connection.label}: ${results[at]?.detail ?? "not checked"}`)
      .join("; ");
    return { ok: results.every((result) => result.ok), detail };
  };
}

async function acsEndpointProbe(endpoint: string, signal: AbortSignal): Promise<ProbeResult> {
  try {
    const response = await fetch(`${endpoint}/`, { method: "GET", redirect: "manual", signal });
    await response.body?.cancel();
    return { ok: true, detail: `the ACS endpoint answered (HTTP ${response.status} to an unauthenticated request)` };
  } catch (error) {
    return { ok: false, detail: `the ACS endpoint did not answer${networkCode(error)}` };
  }
}

function networkCode(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  if (isAbortOrTimeout(cause)) return " (timed out)";
  const code = typeof cause === "object" && cause !== null && "code" in cause ? cause.code : undefined;
  return typeof code === "string" && /^[A-Z_]+$/.test(code) ? ` (${code})` : "";
}
