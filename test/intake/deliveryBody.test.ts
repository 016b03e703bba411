import { describe, expect, it } from "vitest";
import { InvalidDeliveryError } from "../../src/errors";
import type { RequestWithBody } from "../../src/http/requestBody";
import { readDeliveryBody } from "../../src/intake/deliveryBody";

function request(
  chunks: readonly Uint8Array[] | null,
  headers: Record<string, string> = {},
  options: { hang?: boolean } = {},
): RequestWithBody {
  const body =
    chunks === null
      ? null
      : new ReadableStream<Uint8Array>({
          start(controller) {
            for (const chunk of chunks) controller.enqueue(chunk);
            if (!options.hang) controller.close();
          },
        });
  return { headers: new Headers(headers), body };
}

async function refusal(read: Promise<string>): Promise<InvalidDeliveryError> {
  const error: unknown = await read.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof InvalidDeliveryError)) throw new Error(`expected InvalidDeliveryError, got ${String(error)}`);
  return error;
}

const live = (): AbortSignal => new AbortController().signal;

describe("readDeliveryBody: the webhook body, bounded in bytes and time", () => {
  it("reads a body under the limit as UTF-8 text, across chunks (a character split between them included)", async () => {
    const bytes = Buffer.from('[{"subject":"é"}]', "utf8");
    const split = bytes.indexOf(0xc3) + 1;
    await expect(
      readDeliveryBody(request([bytes.subarray(0, split), bytes.subarray(split)]), { abortSignal: live() }),
    ).resolves.toBe('[{"subject":"é"}]');
  });

  it("a request without a body reads as empty text", async () => {
    await expect(readDeliveryBody(request(null), { abortSignal: live() })).resolves.toBe("");
  });

  it("refuses a declared Content-Length over the limit before reading", async () => {
    const error = await refusal(
      readDeliveryBody(request([Buffer.from("[]")], { "content-length": "11" }), { abortSignal: live(), limit: 10 }),
    );
    expect(error.code).toBe("BodyTooLarge");
    expect(error.message).toBe("The body is larger than 10 bytes, Event Grid's maximum delivery size.");
  });

  it("refuses a body without a Content-Length as soon as it passes the limit", async () => {
    const error = await refusal(
      readDeliveryBody(request([Buffer.alloc(6, 0x20), Buffer.alloc(6, 0x20)], {}, { hang: true }), {
        abortSignal: live(),
        limit: 10,
      }),
    );
    expect(error.code).toBe("BodyTooLarge");
  });

  it("a body of exactly the limit is read", async () => {
    await expect(
      readDeliveryBody(request([Buffer.alloc(10, 0x20)]), { abortSignal: live(), limit: 10 }),
    ).resolves.toHaveLength(10);
  });

  it("BodyTimeout when the deadline has fired while the body is still arriving", async () => {
    const deadline = new AbortController();
    const reading = readDeliveryBody(request([Buffer.from("[")], {}, { hang: true }), { abortSignal: deadline.signal });
    deadline.abort(new DOMException("The operation timed out.", "TimeoutError"));
    const error = await refusal(reading);
    expect(error.code).toBe("BodyTimeout");
    expect(error.message).toBe("The body did not arrive in time; nothing of it was processed.");
  });

  it("InvalidBody when the body breaks off", async () => {
    const broken = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(Buffer.from("["));
        controller.error(new Error("socket hang up"));
      },
    });
    const error = await refusal(readDeliveryBody({ headers: new Headers(), body: broken }, { abortSignal: live() }));
    expect(error.code).toBe("InvalidBody");
    expect(error.message).toBe("The body could not be read to its end.");
  });
});
