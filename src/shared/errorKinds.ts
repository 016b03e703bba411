import { isRestError } from "@azure/core-rest-pipeline";
import { AcsHttpError } from "../errors";

// These need the SDK's isRestError: import them only where the SDK is loaded anyway (never from a module loaded at
// start; isAbortOrTimeout, which start-up code needs, is in ./cancellation.ts).

/** The HTTP status an error carries: an ACS answer's (AcsHttpError) or an Azure SDK call's (RestError); else undefined. */
export function httpStatusOf(error: unknown): number | undefined {
  if (error instanceof AcsHttpError) return error.statusCode;
  return isRestError(error) ? error.statusCode : undefined;
}

/** An Azure SDK call (Storage) answered 404: the blob, container or queue does not exist. */
export function isNotFound(error: unknown): boolean {
  return isRestError(error) && error.statusCode === 404;
}

/** An Azure SDK write was refused because the blob is there already: 409 (create only) or 412 (If-None-Match: *). */
export function isAlreadyThere(error: unknown): boolean {
  return isRestError(error) && (error.statusCode === 409 || error.statusCode === 412);
}
