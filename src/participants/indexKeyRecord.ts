import type { ContainerClient } from "@azure/storage-blob";
import { writeJsonOnce } from "../catalog/boundedReads";
import { isRecord } from "../shared/untrustedJson";
import { readSmallBlob } from "../storage/smallBlob";
import { storageSignal } from "../storage/storageDeadline";
import { keyRecordName } from "./indexLayout";
import { ParticipantIndexKeyError } from "./participantErrors";
import { indexKeyFingerprint } from "./participantKey";
import type { AbortOptions } from "../shared/cancellation";

const MAX_RECORD_BYTES = 64 * 1024;
/** A process that found the key right trusts that for this long (a rotation by reindex is noticed after it). */
const VERIFIED_FOR_MS = 5 * 60_000;

/** Who records a fingerprint: the app (archive step, participants API) when there is none, or reindex. */
export type KeyRecorder = "archive" | "participantsApi" | "reindex";

/** `keys/<archive container>.json` in the index container: which key the entries are keyed with (never the key). */
export interface IndexKeyRecord {
  readonly schemaVersion: 1;
  readonly kind: "participantIndexKey";
  readonly recordingsContainer: string;
  /** HMAC-SHA-256 of a fixed label with PARTICIPANT_INDEX_KEY (participantKey.ts). */
  readonly fingerprint: string;
  readonly recordedAt: string;
  readonly recordedBy: KeyRecorder;
  /** Fingerprints replaced by `participants reindex --rotate-key`, newest last. */
  readonly replaced?: readonly { readonly fingerprint: string; readonly replacedAt: string }[];
}

/**
 * The participant index's key fingerprint: an index keyed with one PARTICIPANT_INDEX_KEY answers nothing under
 * another, so every reader compares its key's fingerprint with the recorded one first and refuses on a difference
 * (ParticipantIndexKeyError) instead of reporting "no recordings". The app records its own key when the index has
 * none yet; the command line never does (a mistyped key must not become the index's key), except
 * `participants reindex`, which builds the index under the key it records.
 */
export class IndexKeyCheck {
  readonly fingerprint: string;
  private verifiedUntil = 0;

  constructor(
    private readonly index: ContainerClient,
    private readonly recordingsContainer: string,
    indexKey: string,
  ) {
    this.fingerprint = indexKeyFingerprint(indexKey);
  }

  /** Short form kept in each entry's blob metadata (`keyfingerprint`), so a listing tells which key wrote it. */
  get entryTag(): string {
    return this.fingerprint.slice(0, 16);
  }

  /**
   * Resolves when the index is keyed with this key. With `record`, an index without a fingerprint gets this key's
   * (written once: of two writers the first wins, and the other is then compared with it).
   */
  async verify(options: { record?: KeyRecorder; abortSignal?: AbortSignal } = {}): Promise<void> {
    if (Date.now() < this.verifiedUntil) return;
    let recorded = await this.read({ abortSignal: options.abortSignal });
    if (!recorded && options.record) {
      await this.index.createIfNotExists({ abortSignal: storageSignal(options.abortSignal) });
      await writeJsonOnce(
        this.index,
        keyRecordName(this.recordingsContainer),
        JSON.stringify(this.recordOf(options.record)),
        undefined,
        {
          abortSignal: options.abortSignal,
        },
      );
      recorded = await this.read({ abortSignal: options.abortSignal });
    }
    if (!recorded)
      throw new ParticipantIndexKeyError(
        "ParticipantIndexKeyUnrecorded",
        `The participant index of container ${this.recordingsContainer} records no key fingerprint yet (an index made by an older version, or nothing indexed yet), so PARTICIPANT_INDEX_KEY cannot be checked against it. Run "recording-archiver participants reindex" with the app's PARTICIPANT_INDEX_KEY: it records the key and brings the index up to date.`,
      );
    if (recorded.fingerprint !== this.fingerprint)
      throw new ParticipantIndexKeyError(
        "ParticipantIndexKeyMismatch",
        `PARTICIPANT_INDEX_KEY is not the key the participant index of container ${this.recordingsContainer} was built with (key fingerprint ${this.fingerprint.slice(0, 8)}…, index ${recorded.fingerprint.slice(0, 8)}…): every lookup would find nothing. Use the key the index was built with (an earlier version of the Key Vault secret), or rebuild the index under this key with "recording-archiver participants reindex --rotate-key".`,
      );
    this.verifiedUntil = Date.now() + VERIFIED_FOR_MS;
  }

  /** The recorded fingerprint, or undefined (no record, or not one of ours). */
  async read({ abortSignal: signal }: AbortOptions = {}): Promise<IndexKeyRecord | undefined> {
    // A missing container reads as no record (404, like a missing blob).
    const body = await readSmallBlob(
      this.index.getBlobClient(keyRecordName(this.recordingsContainer)),
      MAX_RECORD_BYTES,
      { abortSignal: signal },
    );
    if (!body) return undefined;
    try {
      const parsed: unknown = JSON.parse(body.toString("utf8"));
      if (isRecord(parsed) && typeof parsed["fingerprint"] === "string" && /^[0-9a-f]{64}$/.test(parsed["fingerprint"]))
        return parsed as unknown as IndexKeyRecord;
    } catch {
      // Not ours: treated as no record.
    }
    return undefined;
  }

  /** Makes this key the index's key (reindex --rotate-key, after the index was rebuilt under it). */
  async replace(previous: IndexKeyRecord | undefined, { abortSignal: signal }: AbortOptions = {}): Promise<void> {
    const now = new Date().toISOString();
    const record: IndexKeyRecord = {
      ...this.recordOf("reindex"),
      replaced: [
        ...(previous?.replaced ?? []),
        ...(previous && previous.fingerprint !== this.fingerprint
          ? [{ fingerprint: previous.fingerprint, replacedAt: now }]
          : []),
      ],
    };
    const body = JSON.stringify(record);
    await this.index.getBlockBlobClient(keyRecordName(this.recordingsContainer)).upload(body, Buffer.byteLength(body), {
      blobHTTPHeaders: { blobContentType: "application/json" },
      abortSignal: storageSignal(signal),
    });
    this.verifiedUntil = 0;
  }

  private recordOf(by: KeyRecorder): IndexKeyRecord {
    return {
      schemaVersion: 1,
      kind: "participantIndexKey",
      recordingsContainer: this.recordingsContainer,
      fingerprint: this.fingerprint,
      recordedAt: new Date().toISOString(),
      recordedBy: by,
    };
  }
}
