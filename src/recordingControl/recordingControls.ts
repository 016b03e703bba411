import { acsConnections, type AcsResourceConnection, type AcsResources } from "../config/acsResources";
import { normalizeResourceId, resourceName } from "../config/acsResourceId";
import type { Log } from "../shared/log";
import { printable } from "../shared/logSafe";
import { InvalidRecordingRequestError } from "./errors";
import { ACS_RESOURCE_PARAMETER } from "./requestValidation";
import { RecordingControl } from "./recordingControl";

const MAX_RESOURCE_LENGTH = 1024;

/**
 * The recording control of each configured ACS resource, built on first use. A request names its resource with the
 * `acsResource` query parameter (the resource id, or its name when no other configured resource has that name);
 * it may leave it out while the app serves one resource only.
 */
export class RecordingControls {
  private readonly built = new Map<AcsResourceConnection, RecordingControl>();

  constructor(
    private readonly resources: AcsResources,
    private readonly build: (connection: AcsResourceConnection) => RecordingControl = (connection) =>
      RecordingControl.forAcs(connection),
  ) {}

  /** The control of the resource `acsResource` names; throws InvalidRecordingRequestError (400) when none or several match. */
  for(acsResource: string | null | undefined, log: Log): RecordingControl {
    const connection = this.connectionFor(acsResource?.trim() ?? "");
    let control = this.built.get(connection);
    if (!control) {
      control = this.build(connection);
      this.built.set(connection, control);
    }
    return control.withLog(log);
  }

  private connectionFor(acsResource: string): AcsResourceConnection {
    const all = acsConnections(this.resources);
    const served = all.map((connection) => connection.label).join(", ");
    if (acsResource === "") {
      const [only, another] = all;
      if (only && !another) return only;
      throw new InvalidRecordingRequestError(
        ACS_RESOURCE_PARAMETER,
        `is required: this app serves ${all.length} ACS resources (${served}); name one by its resource id or name, e.g. ?${ACS_RESOURCE_PARAMETER}=<name>.`,
      );
    }
    if (acsResource.length > MAX_RESOURCE_LENGTH)
      throw new InvalidRecordingRequestError(
        ACS_RESOURCE_PARAMETER,
        `must be at most ${MAX_RESOURCE_LENGTH} characters long.`,
      );
    const matching = all.filter((connection) => this.names(connection, acsResource));
    const [match, second] = matching;
    if (match && !second) return match;
    if (second) {
      throw new InvalidRecordingRequestError(
        ACS_RESOURCE_PARAMETER,
        `names ${printable(acsResource)}, which several configured resources are named: give the full resource id.`,
      );
    }
    throw new InvalidRecordingRequestError(
      ACS_RESOURCE_PARAMETER,
      `names ${printable(acsResource)}, which is not an ACS resource this app serves (${served}).`,
    );
  }

  /** Whether `acsResource` (an id or a name) names a resource this connection serves. */
  private names(connection: AcsResourceConnection, acsResource: string): boolean {
    const id = normalizeResourceId(acsResource);
    const isName = !id.includes("/");
    const named = (resourceId: string): boolean => resourceId === id || (isName && resourceName(resourceId) === id);
    if (connection.resourceId !== undefined) return named(connection.resourceId);
    // The default connection: the resources listed for it, or any resource when it is the only one and none is listed.
    const { defaultServes, groups } = this.resources;
    return defaultServes.some(named) || (groups.length === 0 && defaultServes.length === 0);
  }
}
