import { createDefaultHttpClient, type HttpClient } from "@azure/core-rest-pipeline";
import {
  acsConnectionFor,
  acsConnections,
  missingKeyProblem,
  type AcsResourceConnection,
  type AcsResources,
} from "../config/acsResources";
import type { DownloadHostPolicy } from "../config/downloadHosts";
import { AcsResourceNotConfiguredError } from "../errors";
import type { Log } from "../shared/log";
import { AcsKeyRing, AcsRecordingClient } from "./acsRecordingClient";

/**
 * The one place a chunk's ACS client is chosen: by the chunk's resource, among the configured connections
 * (src/config/acsResources.ts). Each resource's keys, and the memory of which of them works, live as long as the
 * process; a client per chunk only adds the chunk's log.
 */
export class AcsClients {
  private readonly keyRings: Map<AcsResourceConnection, AcsKeyRing>;
  /** One HTTP client (and its connection pool) for every chunk, as before there were several resources. */
  private readonly httpClient: HttpClient;

  constructor(
    private readonly resources: AcsResources,
    private readonly hosts: DownloadHostPolicy,
    options: { readonly httpClient?: HttpClient } = {},
  ) {
    this.keyRings = new Map(acsConnections(resources).map((connection) => [connection, new AcsKeyRing(connection)]));
    this.httpClient = options.httpClient ?? createDefaultHttpClient();
  }

  /**
   * The client that signs for `resource` (a chunk message's resource), reporting key changes to `log`. Throws
   * AcsResourceNotConfiguredError, naming the settings to add, when no key serves the resource: nothing is signed.
   */
  forResource(resource: string, log: Log): AcsRecordingClient {
    const connection = acsConnectionFor(this.resources, resource);
    const keys = connection && this.keyRings.get(connection);
    if (!keys) throw new AcsResourceNotConfiguredError(missingKeyProblem(this.resources, resource));
    return new AcsRecordingClient(keys, this.hosts, { httpClient: this.httpClient, log });
  }
}
