import { ArchiverError } from "../errors";

export type IndexKeyProblem = "ParticipantIndexKeyMismatch" | "ParticipantIndexKeyUnrecorded";

/**
 * PARTICIPANT_INDEX_KEY is not the key the participant index was built with (or the index records no key yet):
 * every lookup would find nothing, so find, export, erase and the API refuse instead of answering "none".
 */
export class ParticipantIndexKeyError extends ArchiverError {
  override readonly name = "ParticipantIndexKeyError";

  constructor(
    readonly code: IndexKeyProblem,
    message: string,
  ) {
    super(message);
  }
}

/** A blob name from a listing or a record that cannot be used as a name (dot segments, backslashes, outside its folder). */
export class UnsafeBlobNameError extends ArchiverError {
  override readonly name = "UnsafeBlobNameError";
  readonly code = "UnsafeBlobName";
}

/** A continuation token that this index did not issue for this participant (or that is damaged). */
export class InvalidContinuationTokenError extends ArchiverError {
  override readonly name = "InvalidContinuationTokenError";
  readonly code = "InvalidContinuationToken";
  readonly target = "continuationToken";
}

/** A participant search request that cannot be served as sent; `target` names the field. */
export class InvalidSearchRequestError extends ArchiverError {
  override readonly name = "InvalidSearchRequestError";

  constructor(
    readonly code: "InvalidRequest" | "InvalidParticipantId" | "BodyTooLarge",
    message: string,
    readonly target?: string,
  ) {
    super(message);
  }
}
