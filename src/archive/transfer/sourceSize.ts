import type { AcsResponse } from "../../acs/acsRecordingClient";
import { SourceChangedError, TransferInterruptedError, UnverifiableSourceError } from "../../errors";
import { parseContentRange } from "./blockPlan";

/**
 * The whole source's size as a media response declares it: the Content-Range total (206, or a 200
 * that carries one), else a 200's Content-Length. A length from anywhere else — bytes counted until
 * the connection closed — is not a length: without one the transfer is unverifiable.
 */
export function declaredTotal(response: AcsResponse): number {
  const range = parseContentRange(response.headers.get("content-range"));
  const lengthHeader = response.headers.get("content-length");
  const length =
    lengthHeader !== undefined && /^\d+$/.test(lengthHeader.trim()) ? Number(lengthHeader.trim()) : undefined;
  if (response.status === 206) {
    if (range && range.start <= range.end) return range.total;
    throw new UnverifiableSourceError(
      `a 206 answer came without a usable Content-Range (${response.headers.get("content-range") ?? "none"})`,
    );
  }
  if (length !== undefined && range && range.total !== length) {
    throw new UnverifiableSourceError(
      `a 200 answer declares ${length} bytes in Content-Length and ${range.total} in Content-Range`,
    );
  }
  const total = length ?? range?.total;
  if (total === undefined)
    throw new UnverifiableSourceError(
      "a 200 answer came without Content-Length or Content-Range: its end cannot be told from a dropped connection",
    );
  return total;
}

/** Every answer must describe the same source as the first: a size change mid-download starts the chunk over. */
export function expectSameSource(expectedTotal: number, response: AcsResponse): void {
  const total = declaredTotal(response);
  if (total !== expectedTotal) {
    throw new SourceChangedError(
      `the source's size changed from ${expectedTotal} to ${total} bytes mid-download; the chunk starts over`,
    );
  }
}

/**
 * The error for a 416 to a range inside the known size: the source changed when the 416 declares
 * another size, and otherwise the server is wrong or behind (transient). Never permanent.
 */
export function unsatisfiedRangeError(expectedTotal: number, response: AcsResponse, asked: string): Error {
  const declared = parseContentRange(response.headers.get("content-range"))?.total;
  if (declared !== undefined && declared !== expectedTotal)
    return new SourceChangedError(
      `a 416 for ${asked} declares ${declared} bytes; the source had ${expectedTotal}: the chunk starts over`,
    );
  return new TransferInterruptedError(`a 416 for ${asked} of a ${expectedTotal}-byte source`);
}
