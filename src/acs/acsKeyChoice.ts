import type { AcsKeyName, AcsResourceConnection } from "../config/acsResources";
import type { Log } from "../shared/log";

/** After switching to the secondary key, the primary is tried again this long later (one request pays for it). */
export const PRIMARY_RETRY_AFTER_MS = 5 * 60_000;

/** What happened to the choice when a key was accepted. */
export type KeyChange = "unchanged" | "switched" | "primaryAgain";

/**
 * Which of one ACS resource's keys signs the next request, for the whole process: the primary, until it is refused
 * and the secondary accepted (then the secondary, so that not every request pays a 401). While on the secondary, one
 * request every PRIMARY_RETRY_AFTER_MS tries the primary first: once it is accepted again (the regenerated primary
 * is in the settings, or the secondary is about to be regenerated) the choice goes back to it.
 */
export class AcsKeyChoice {
  private preferred: AcsKeyName = "primary";
  private nextPrimaryTry = 0;

  constructor(
    private readonly hasSecondary: boolean,
    private readonly now: () => number = Date.now,
    private readonly retryPrimaryAfterMs: number = PRIMARY_RETRY_AFTER_MS,
  ) {}

  /** The key to sign a request with first. */
  first(): AcsKeyName {
    if (this.preferred === "secondary" && this.now() >= this.nextPrimaryTry) {
      // Only this request tries the primary; the others meanwhile keep to the secondary.
      this.nextPrimaryTry = this.now() + this.retryPrimaryAfterMs;
      return "primary";
    }
    return this.preferred;
  }

  /** The key to try after `refused` was refused (401/403), if there is one. */
  other(refused: AcsKeyName): AcsKeyName | undefined {
    if (!this.hasSecondary) return undefined;
    return refused === "primary" ? "secondary" : "primary";
  }

  /** Records that `key` was accepted after `tried` was refused (undefined: `key` was the first try). */
  accepted(key: AcsKeyName, afterRefusalOf?: AcsKeyName): KeyChange {
    if (key === this.preferred) return "unchanged";
    this.preferred = key;
    if (key === "secondary") this.nextPrimaryTry = this.now() + this.retryPrimaryAfterMs;
    return afterRefusalOf === undefined ? "primaryAgain" : "switched";
  }
}

/** A key refused by ACS: which one, and the status. */
export interface KeyRefusal {
  readonly key: AcsKeyName;
  readonly status: number;
}

/** "the primary key (ACS_CONNECTION_STRING)": a key by role and setting, never by value. */
export function describeKey(connection: AcsResourceConnection, key: AcsKeyName): string {
  return `the ${key} key (${connection.keySettings[key]})`;
}

/** Tells the log when the key in use changed: a warning naming the key that worked (by role and setting, never the key). */
export function reportKeyChange(
  log: Log | undefined,
  connection: AcsResourceConnection,
  change: KeyChange,
  key: AcsKeyName,
  refused?: KeyRefusal,
): void {
  const resource = connection.resourceId === undefined ? "ACS" : `ACS resource ${connection.label}`;
  if (change === "switched" && refused) {
    log?.warn(
      `${resource}: ${describeKey(connection, refused.key)} was refused (HTTP ${refused.status}) and ${describeKey(connection, key)} was accepted. ` +
        `This process now signs with the ${key} key` +
        (key === "secondary"
          ? ` and tries the primary key again every ${PRIMARY_RETRY_AFTER_MS / 60_000} minutes`
          : "") +
        `. Expected while a key is being rotated; otherwise update ${connection.keySettings[refused.key]}.`,
    );
  } else if (change === "primaryAgain") {
    log?.info(
      `${resource}: ${describeKey(connection, key)} is accepted again; this process signs with it from now on.`,
    );
  }
}
