import { randomBytes, randomUUID } from "node:crypto";
import type { EndpointRoute, SimKeyName, SimResource, SimResourceOptions } from "./types";

/** A fresh random access key, as ACS issues them (base64; 32 random bytes). */
function newAccessKey(): string {
  return randomBytes(32).toString("base64");
}

function checkedKey(accessKey: string, what: string): string {
  if (Buffer.from(accessKey, "base64").length === 0) throw new Error(`${what} must be a non-empty base64 string`);
  return accessKey;
}

/**
 * One simulated ACS resource: its id, its endpoint listener, its two access keys and the routes its endpoint adds.
 * Like ACS, either key signs valid requests; regenerating one refuses the old value at once (the other keeps working).
 */
export class SimResourceState implements SimResource {
  readonly resourceId: string;
  /** The immutable id ACS writes into recording metadata (`resourceId` there is a GUID, not the ARM id). */
  readonly metadataResourceId = randomUUID();
  readonly endpointRoutes: EndpointRoute[] = [];
  endpointHost = "";
  private readonly keys: Record<SimKeyName, string>;

  constructor(options: SimResourceOptions, defaultName: string) {
    this.resourceId =
      options.resourceId ??
      `/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Communication/communicationServices/${options.name ?? defaultName}`;
    this.keys = {
      primary: checkedKey(options.accessKey ?? newAccessKey(), "accessKey"),
      secondary: checkedKey(options.secondaryKey ?? newAccessKey(), "secondaryKey"),
    };
  }

  get name(): string {
    return this.resourceId.slice(this.resourceId.lastIndexOf("/") + 1);
  }

  get endpointUrl(): string {
    return `http://${this.endpointHost}`;
  }

  get accessKey(): string {
    return this.keys.primary;
  }

  get secondaryKey(): string {
    return this.keys.secondary;
  }

  get connectionString(): string {
    return this.connectionStringWith("primary");
  }

  get secondaryConnectionString(): string {
    return this.connectionStringWith("secondary");
  }

  regenerateKey(which: SimKeyName, accessKey: string = newAccessKey()): string {
    this.keys[which] = checkedKey(accessKey, "accessKey");
    return this.keys[which];
  }

  addEndpointRoute(route: EndpointRoute): void {
    this.endpointRoutes.push(route);
  }

  /** The decoded keys a signature is checked against, by name. */
  signingKeys(): [SimKeyName, Buffer][] {
    return (["primary", "secondary"] as const).map((name) => [name, Buffer.from(this.keys[name], "base64")]);
  }

  private connectionStringWith(which: SimKeyName): string {
    return `endpoint=${this.endpointUrl}/;accesskey=${this.keys[which]}`;
  }
}
