import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { chunkMessagesWithByos } from "../../src/byos/byosIntake";
import { parseConfig } from "../../src/config/appConfig";
import { InvalidEventError } from "../../src/errors";
import { parseChunkMessage } from "../../src/events/chunkMessageParser";
import { readEnvelope, type EventEnvelope } from "../../src/events/eventEnvelope";
import { TEST_ACS_CONNECTION_STRING } from "../support/testSettings";

const FIXTURES = join(__dirname, "..", "fixtures", "events");
const GA = "derived-docs-byos-quickstart.ga-2023.azureblob.eventgrid.json";
const PREVIEW = "derived-docs-byos-quickstart.private-preview-2023.byos.eventgrid.json";

function envelopeOf(
  file: string,
  change?: (event: { data: { storageType?: string; recordingStorageInfo: { recordingChunks: Record<string, unknown>[] } } }) => void,
): EventEnvelope {
  const event = JSON.parse(readFileSync(join(FIXTURES, file), "utf8")) as Parameters<NonNullable<typeof change>>[0];
  change?.(event);
  const envelope = readEnvelope(event);
  if (!envelope) throw new Error("not an event");
  return envelope;
}

/** The fixture's destination container (BYOS_STORAGE_ACCOUNTS names containers). */
const CONTOSO = "https://contosorecordings.blob.core.windows.net/acs-recordings";

const policy = (accounts = "") =>
  parseConfig({ AzureWebJobsStorage: "UseDevelopmentStorage=true", ACS_CONNECTION_STRING: TEST_ACS_CONNECTION_STRING, BYOS_STORAGE_ACCOUNTS: accounts });

function rejection(run: () => unknown): InvalidEventError {
  try {
    run();
  } catch (error) {
    if (error instanceof InvalidEventError) return error;
    throw error;
  }
  throw new Error("accepted");
}

describe("the BYOS intake step", () => {
  it("turns a chunk in a listed account into a BYOS message: blob URLs in `byos`, no ACS locations, format from the file name", () => {
    const [message] = chunkMessagesWithByos(envelopeOf(GA), policy(CONTOSO));
    expect(message).toMatchObject({
      documentId: "0-eus-d12-801b3f3fc462fe8a01e6810cbff729b8",
      storageType: "AzureBlob",
      formatType: "Mp3",
      byos: { account: "https://contosorecordings.blob.core.windows.net", storageType: "AzureBlob" },
    });
    expect(message?.byos?.contentBlob).toMatch(/0-audiomp3\.0-eus-d12-.*\.mp3$/);
    expect(message?.byos?.metadataBlob).toMatch(/0-acsmetadata\..*\.json$/);
    expect(message).not.toHaveProperty("contentLocation");
    expect(message).not.toHaveProperty("metadataLocation");
    // The queue message carries it through the archive side's parser.
    const config = policy(CONTOSO);
    expect(parseChunkMessage(JSON.stringify(message), config.downloadHosts, config.byosContainers).byos).toEqual(message?.byos);
  });

  it("quarantines a chunk in an account that is not listed, naming BYOS_STORAGE_ACCOUNTS", () => {
    const error = rejection(() => chunkMessagesWithByos(envelopeOf(GA), policy("https://fabrikam.blob.core.windows.net/acs-recordings")));
    expect(error.field).toBe("data.recordingStorageInfo.recordingChunks[0].contentLocation");
    expect(error.message).toMatch(/https:\/\/contosorecordings\.blob\.core\.windows\.net, which is not a container listed in BYOS_STORAGE_ACCOUNTS/);
  });

  it("refuses a listed account's URL with a query (a SAS) or a metadata document elsewhere", () => {
    const withSas = rejection(() =>
      chunkMessagesWithByos(
        envelopeOf(GA, (event) => {
          const chunk = event.data.recordingStorageInfo.recordingChunks[0] ?? {};
          chunk["contentLocation"] = `${String(chunk["contentLocation"])}?sv=2024-01-01&sig=abc`;
        }),
        policy(CONTOSO),
      ),
    );
    expect(withSas.message).not.toContain("sig=abc");
    const split = rejection(() =>
      chunkMessagesWithByos(
        envelopeOf(GA, (event) => {
          const chunk = event.data.recordingStorageInfo.recordingChunks[0] ?? {};
          chunk["metadataLocation"] = "https://storage.asm.skype.com/v1/objects/0-eus-d12-801b3f3fc462fe8a01e6810cbff729b8/content/acsmetadata";
        }),
        policy(CONTOSO),
      ),
    );
    expect(split.field).toBe("data.recordingStorageInfo.recordingChunks[0].metadataLocation");
  });

  it("leaves a BYOS event whose URLs are ACS download URLs to the usual path (archived from ACS)", () => {
    const [message] = chunkMessagesWithByos(envelopeOf(PREVIEW), policy(CONTOSO));
    expect(message?.contentLocation).toMatch(/^https:\/\/storage\.asm\.skype\.com\//);
    expect(message).not.toHaveProperty("byos");
    expect(message?.storageType).toBe("blobstorage");
  });
});
