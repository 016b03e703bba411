import { request } from "node:http";

export interface StreamedAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
  /** Body bytes the client had written when the answer came. */
  readonly bytesSent: number;
}

/**
 * POSTs a body produced piece by piece (chunked transfer encoding unless a content-length header is
 * given), as a hostile or careless client would: it keeps writing until `body` ends or the server
 * answers, whichever comes first, and resolves with the answer. Errors after the answer (the server
 * dropping the rest) are expected and ignored.
 */
export function streamingPost(
  url: string,
  headers: Record<string, string>,
  body: AsyncIterable<Buffer> | Iterable<Buffer>,
): Promise<StreamedAnswer> {
  return new Promise((resolve, reject) => {
    let answered = false;
    let bytesSent = 0;
    const req = request(url, { method: "POST", headers });
    req.on("response", (res) => {
      answered = true;
      const parts: Buffer[] = [];
      res.on("data", (part: Buffer) => parts.push(part));
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          text: Buffer.concat(parts).toString("utf8"),
          bytesSent,
        }),
      );
      res.on("error", reject);
    });
    req.on("error", (error) => {
      if (!answered) reject(error);
    });
    void (async () => {
      try {
        for await (const piece of body) {
          if (answered || req.destroyed) return;
          bytesSent += piece.length;
          if (!req.write(piece))
            await new Promise<void>((drained) => req.once("drain", drained).once("close", drained));
        }
        if (!answered && !req.destroyed) req.end();
      } catch (error) {
        if (!answered) reject(error);
      }
    })();
  });
}

/** `total` bytes of `piece` repeated, in pieces (for oversized bodies). */
export function* repeated(piece: Buffer, total: number): Generator<Buffer> {
  for (let sent = 0; sent < total; sent += piece.length) yield piece;
}

/** A body that sends `first` and then nothing more, until `stop` resolves (a peer that stalls mid-body). */
export async function* stalling(first: Buffer, stop: Promise<void>): AsyncGenerator<Buffer> {
  yield first;
  await stop;
}
