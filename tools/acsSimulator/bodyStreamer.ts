import type { ServerResponse } from "node:http";

const CHUNK_BYTES = 512 * 1024;
const MAX_THROTTLED_CHUNK_BYTES = 64 * 1024;
const MIN_THROTTLED_CHUNK_BYTES = 1024;
const RESET_GRACE_MS = 50;

export interface BodyPlan {
  /** First body byte (absolute offset in the resource) and end (exclusive). */
  start: number;
  end: number;
  /** Produces bytes [from, to) of the resource. */
  read(from: number, to: number): Buffer;
  /** Called with the number of bytes handed to the socket, as they are. */
  onBytes(count: number): void;
  /** Cap for this response's body (one response at a time per HTTP/1.1 connection, so per connection). */
  bytesPerSecond?: number;
  /** Headers (and `stallAfterBytes` body bytes) first, then silence for this long, then the rest. */
  stallMs?: number;
  stallAfterBytes?: number;
  /** Stop after this many body bytes: "reset" sends a TCP RST, "truncate" closes the connection cleanly. */
  cut?: { afterBytes: number; how: "reset" | "truncate" };
}

/**
 * Writes a response body in chunks, respecting backpressure, optionally throttled (token bucket with no burst: a
 * chunk goes out only once the elapsed time pays for it), stalled or cut short. Headers must already be set.
 * Resolves when the body is done or the client went away.
 */
export async function streamBody(res: ServerResponse, plan: BodyPlan): Promise<void> {
  let gone = res.destroyed || res.socket?.destroyed === true;
  res.once("close", () => {
    gone = true;
  });
  if (plan.stallMs !== undefined && !plan.stallAfterBytes) {
    res.flushHeaders();
    await pause(res, plan.stallMs);
  }
  let stallAt = plan.stallMs !== undefined && plan.stallAfterBytes ? plan.start + plan.stallAfterBytes : undefined;
  const stopAt = plan.cut ? Math.min(plan.end, plan.start + plan.cut.afterBytes) : plan.end;
  const chunkBytes = plan.bytesPerSecond ? throttledChunk(plan.bytesPerSecond) : CHUNK_BYTES;
  const began = Date.now();
  let position = plan.start;
  while (position < stopAt && !gone) {
    if (stallAt !== undefined && position >= stallAt) {
      stallAt = undefined;
      await pause(res, plan.stallMs ?? 0);
      if (gone) break;
    }
    const next = Math.min(position + chunkBytes, stopAt, stallAt ?? Number.POSITIVE_INFINITY);
    if (plan.bytesPerSecond) {
      const due = began + ((next - plan.start) / plan.bytesPerSecond) * 1000;
      const wait = due - Date.now();
      if (wait > 0) await pause(res, wait);
      if (gone) break;
    }
    const chunk = plan.read(position, next);
    const last = next === stopAt;
    const flushed = last && plan.cut ? written(res, chunk) : undefined;
    const accepted = flushed ? true : res.write(chunk);
    plan.onBytes(chunk.length);
    position = next;
    if (flushed) await flushed;
    else if (!accepted && !gone) await drained(res);
  }
  if (gone) return;
  if (plan.cut) {
    if (position === plan.start) await written(res, Buffer.alloc(0));
    // An RST makes the kernel drop what it has not sent yet: give a reading client a moment to take the bytes.
    if (plan.cut.how === "reset") await pause(res, RESET_GRACE_MS);
    if (res.destroyed) return;
    cutConnection(res, plan.cut.how);
    return;
  }
  await new Promise<void>((resolve) => res.end(resolve));
}

/** Ends the exchange without a complete body: RST (reset) or FIN after the bytes sent so far (truncate). */
export function cutConnection(res: ServerResponse, how: "reset" | "truncate"): void {
  const socket = res.socket;
  if (!socket) return;
  if (how === "reset") socket.resetAndDestroy();
  else socket.end();
}

function throttledChunk(bytesPerSecond: number): number {
  return Math.max(MIN_THROTTLED_CHUNK_BYTES, Math.min(MAX_THROTTLED_CHUNK_BYTES, Math.floor(bytesPerSecond / 50)));
}

function written(res: ServerResponse, chunk: Buffer): Promise<void> {
  return new Promise((resolve) => {
    res.write(chunk, () => resolve());
    res.once("close", resolve);
  });
}

export function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}

/** Waits `ms`, or less when the client goes away (so closing the simulator never waits for a stall). */
export function pause(res: ServerResponse, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      res.off("close", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    res.on("close", done);
  });
}
