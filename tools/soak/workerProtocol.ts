import { isRecord } from "../../src/shared/untrustedJson";

/** Parent -> worker: run the queue function once, as the host would. */
export interface InvokeRequest {
  readonly type: "invoke";
  readonly id: number;
  /** The message as the host hands it to a Node handler: base64-decoded, UTF-8, JSON-parsed. */
  readonly input: unknown;
  readonly triggerMetadata: Record<string, unknown>;
}

/** Worker -> parent. */
export type WorkerMessage =
  | { readonly type: "ready"; readonly queueName: string; readonly connection: string }
  | { readonly type: "log"; readonly id: number; readonly level: string; readonly text: string }
  | {
      readonly type: "result";
      readonly id: number;
      readonly ok: boolean;
      readonly error?: string;
      readonly ms: number;
      readonly maxRssBytes: number;
    }
  | { readonly type: "fatal"; readonly error: string };

export function isInvokeRequest(value: unknown): value is InvokeRequest {
  return (
    isRecord(value) &&
    value["type"] === "invoke" &&
    typeof value["id"] === "number" &&
    isRecord(value["triggerMetadata"])
  );
}

export function isWorkerMessage(value: unknown): value is WorkerMessage {
  if (!isRecord(value)) return false;
  switch (value["type"]) {
    case "ready":
      return typeof value["queueName"] === "string";
    case "log":
      return typeof value["id"] === "number" && typeof value["text"] === "string";
    case "result":
      return (
        typeof value["id"] === "number" && typeof value["ok"] === "boolean" && typeof value["maxRssBytes"] === "number"
      );
    case "fatal":
      return typeof value["error"] === "string";
    default:
      return false;
  }
}
