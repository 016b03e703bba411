import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { ContainerClient, StorageRetryOptions } from "@azure/storage-blob";
import type { QueueClient } from "@azure/storage-queue";
import { azuriteConnectionString } from "../../tools/azurite";
import { freePort } from "../../tools/freePort";
import type { RejectedInput } from "../../src/storage/quarantine";

const root = resolve(__dirname, "..", "..");

/** `extensions.queues.messageEncoding` from the app's host.json (the host's default is base64). */
export function hostJsonMessageEncoding(): "base64" | "none" {
  const host = JSON.parse(readFileSync(join(root, "host.json"), "utf8")) as {
    extensions?: { queues?: { messageEncoding?: unknown } };
  };
  const encoding = host.extensions?.queues?.messageEncoding ?? "base64";
  if (encoding !== "base64" && encoding !== "none")
    throw new Error(`host.json has an unknown messageEncoding ${JSON.stringify(encoding)}`);
  return encoding;
}

/**
 * Decodes a queue message's text as the Functions queue trigger does under host.json `messageEncoding`:
 * with base64 the host runs Convert.FromBase64String (strict: alphabet, padding, length multiple of 4;
 * anything else sends the message to poison), then UTF-8, then (for an object parameter) JSON.
 */
export function decodeAsQueueTrigger(messageText: string): unknown {
  let text = messageText;
  if (hostJsonMessageEncoding() === "base64") {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(messageText) || messageText.length % 4 !== 0) {
      throw new Error(`Not strict base64; the host would poison this message: ${messageText.slice(0, 80)}`);
    }
    const bytes = Buffer.from(messageText, "base64");
    if (bytes.toString("base64") !== messageText)
      throw new Error("base64 does not round-trip; the host would reject it.");
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  }
  return JSON.parse(text) as unknown;
}

/**
 * Receives every visible message (hiding each for an hour, so nothing is counted twice) and returns
 * their texts. An absent queue counts as empty.
 */
export async function drainQueue(queue: QueueClient): Promise<string[]> {
  if (!(await queue.exists())) return [];
  const texts: string[] = [];
  for (;;) {
    const batch = await queue.receiveMessages({ numberOfMessages: 32, visibilityTimeout: 3600 });
    if (batch.receivedMessageItems.length === 0) return texts;
    texts.push(...batch.receivedMessageItems.map((item) => item.messageText));
  }
}

/** Short retries for clients aimed at storage that is down, so a test fails over in well under a second. */
export const FAST_FAIL_RETRY: StorageRetryOptions = {
  maxTries: 2,
  retryDelayInMs: 20,
  maxRetryDelayInMs: 50,
  tryTimeoutInMs: 2_000,
};

/** A connection string in Azurite's format for loopback ports on which nothing listens: storage that is down. */
export async function closedStorageConnectionString(): Promise<string> {
  const port = await freePort();
  return azuriteConnectionString(port, port, port);
}

export interface QuarantinedBlob {
  readonly name: string;
  readonly text: string;
  /** What src/storage/quarantine.ts writes: the rejected input and when. */
  readonly json: RejectedInput & { readonly rejectedAt: string };
}

/** Downloads one quarantine blob and parses it. */
export async function readQuarantined(container: ContainerClient, name: string): Promise<QuarantinedBlob> {
  const buffer = await container.getBlobClient(name).downloadToBuffer();
  const text = buffer.toString("utf8");
  return { name, text, json: JSON.parse(text) as QuarantinedBlob["json"] };
}

/** Every quarantine blob whose name passes `nameFilter` (all, when omitted); absent container = none. */
export async function listQuarantined(
  container: ContainerClient,
  nameFilter: (name: string) => boolean = () => true,
): Promise<QuarantinedBlob[]> {
  if (!(await container.exists())) return [];
  const found: QuarantinedBlob[] = [];
  for await (const blob of container.listBlobsFlat()) {
    if (nameFilter(blob.name)) found.push(await readQuarantined(container, blob.name));
  }
  return found;
}

/** `<container>/<blob>` as intake reports it, split; throws when it names another container. */
export function blobNameFromKeptAt(container: ContainerClient, keptAt: string): string {
  const prefix = `${container.containerName}/`;
  if (!keptAt.startsWith(prefix)) throw new Error(`${keptAt} is not in container ${container.containerName}`);
  return keptAt.slice(prefix.length);
}
