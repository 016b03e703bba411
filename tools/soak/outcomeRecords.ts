import type { ContainerClient } from "@azure/storage-blob";
import { isRecord } from "../../src/shared/untrustedJson";
import { blobBytes } from "./blobInspect";

export const RECORDS_PREFIX = "archive-failures/";

/** One outcome record as the archiver writes it under archive-failures/ (read back as untrusted JSON). */
export interface OutcomeRecord {
  readonly name: string;
  readonly outcome: string;
  readonly chunkKey?: string;
  readonly reason: string;
  readonly httpStatus?: number;
  readonly dequeueCount?: number;
  readonly problems: string[];
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** Reads every record and checks its shape: outcome, time, reason, and the message it is about. */
export async function readOutcomeRecords(
  container: ContainerClient,
  names: readonly string[],
  secrets: readonly string[],
): Promise<OutcomeRecord[]> {
  const records: OutcomeRecord[] = [];
  for (const name of names) {
    const problems: string[] = [];
    let body: unknown;
    try {
      const text = (await blobBytes(container, name)).toString("utf8");
      if (secrets.some((secret) => text.includes(secret)) || /Signature=/.test(text))
        problems.push("carries the access key or a signature");
      body = JSON.parse(text);
    } catch {
      problems.push("is not JSON");
    }
    const json = isRecord(body) ? body : {};
    const reason = isRecord(json["reason"]) ? text(json["reason"]["message"]) : undefined;
    if (!text(json["outcome"])) problems.push("has no outcome");
    if (!text(json["recordedAt"])) problems.push("has no recordedAt");
    if (!reason) problems.push("has no reason");
    if (json["message"] === undefined) problems.push("does not keep the message");
    const chunkKey = text(json["chunkKey"]);
    const httpStatus = typeof json["httpStatus"] === "number" ? json["httpStatus"] : undefined;
    const dequeueCount = typeof json["dequeueCount"] === "number" ? json["dequeueCount"] : undefined;
    records.push({
      name,
      outcome: text(json["outcome"]) ?? "(none)",
      reason: reason ?? "(none)",
      problems,
      ...(chunkKey ? { chunkKey } : {}),
      ...(httpStatus === undefined ? {} : { httpStatus }),
      ...(dequeueCount === undefined ? {} : { dequeueCount }),
    });
  }
  return records;
}

export function recordsByChunk(records: readonly OutcomeRecord[]): Map<string, OutcomeRecord[]> {
  const byChunk = new Map<string, OutcomeRecord[]>();
  for (const record of records) {
    const key = record.chunkKey ?? "(no chunk)";
    byChunk.set(key, [...(byChunk.get(key) ?? []), record]);
  }
  return byChunk;
}
