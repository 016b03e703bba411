// Integration tier. Needs: the ACS simulator, loopback servers.
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAcsConnectionString } from "../../src/config/acsConnectionString";
import { RecordingControl } from "../../src/recordingControl/recordingControl";
import { runCli } from "../../tools/acsSimulator/cliRunner";
import type { AcsSimulator } from "../../tools/acsSimulator";
import { eventually } from "../support/polling";

let hook: Server;
let hookUrl: string;
const received: unknown[] = [];

beforeAll(async () => {
  hook = createServer((request, response) => {
    let body = "";
    request.on("data", (piece: Buffer) => (body += piece.toString()));
    request.on("end", () => {
      received.push(JSON.parse(body));
      response.end("ok");
    });
  });
  await new Promise<void>((resolve) => hook.listen(0, "127.0.0.1", resolve));
  const address = hook.address();
  hookUrl = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/api/recording-events`;
});
afterAll(() => new Promise<void>((resolve) => hook.close(() => resolve())));

describe("npm run sim serves the Call Automation recording routes", () => {
  it("starts and stops a recording, then posts the recording's event to --post-event", async () => {
    const lines: string[] = [];
    const sim: AcsSimulator = await runCli(
      { documents: [], faults: [], postEventUrls: [hookUrl], eventSchema: "eventgrid", era: "ga" },
      (line) => lines.push(line),
    );
    try {
      const control = RecordingControl.forAcs(parseAcsConnectionString(sim.connectionString));
      const started = await control.start({ serverCallId: "c2VydmVyLWNhbGwtMQ", callIdField: "serverCallId" });
      expect(started.recordingState).toBe("active");
      await control.stop(started.recordingId);
      await eventually(
        () => (received.length > 0 ? true : undefined),
        "the recording's event to be posted to --post-event",
      );
      const [delivery] = received as {
        subject: string;
        data: { recordingStorageInfo: { recordingChunks: { documentId: string }[] } };
      }[][];
      expect(delivery?.[0]?.subject).toContain(`/serverCallId/c2VydmVyLWNhbGwtMQ/recordingId/${started.recordingId}`);
      const documentId = delivery?.[0]?.data.recordingStorageInfo.recordingChunks[0]?.documentId as string;
      expect(sim.document(documentId)?.size).toBe(4 * 1024 * 1024);
      expect(lines.some((line) => line.includes("posted event"))).toBe(true);
    } finally {
      await sim.close();
    }
  });
});
