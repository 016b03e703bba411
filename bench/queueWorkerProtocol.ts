/** What a benchmark queue worker (queueWorker.ts) tells the listener; the listener sends InvokeRequest and `{ type: "usage" }`. */
export type QueueWorkerMessage =
  | {
      readonly type: "ready";
      readonly cpuMicros: number;
      readonly maxRssBytes: number;
      readonly memory: NodeJS.MemoryUsage;
    }
  | {
      readonly type: "usage";
      readonly cpuMicros: number;
      readonly maxRssBytes: number;
      readonly memory: NodeJS.MemoryUsage;
    }
  | { readonly type: "log"; readonly id: number; readonly level: string; readonly text: string }
  | {
      readonly type: "result";
      readonly id: number;
      readonly ok: boolean;
      readonly error?: string;
      readonly ms: number;
      readonly cpuMicros: number;
      readonly maxRssBytes: number;
    }
  | { readonly type: "fatal"; readonly error: string };
