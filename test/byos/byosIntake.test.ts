import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { chunkMessagesWithByos } from "../../src/byos/byosIntake";
import { parseConfig } from "../../src/config/appConfig";
import { InvalidEventError } from "../../src/errors";
import { parseChunkMessage } from "../../src/queue/chunkMessageParser";
import { readEnvelope, type EventEnvelope } from "../../src/events/eventEnvelope";
import { TEST_ACS_CONNECTION_STRING } from "../support/testSettings";

const FIXTURES = join(__dirname, "..", "fixtures", "events");
const GA = "derived-docs-byos-quickstart.ga-2023.azureblob.eventgrid.json";
const PREVIEW = "derived-docs-byos-quickstart.private-preview-2023.byos.eventgrid.json";

function envelopeOf(
  file: string,
  change?: (event: {
    data: { storageType?: string; recordingStorageInfo: { recordingChunks: Record<string, unknown>[] } };
  }) => void,
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
  parseConfig({
    AzureWebJobsStorage: "UseDevelopmentStorage=true",
    ACS_CONNECTION_STRING: TEST_ACS_CONNECTION_STRING,
    BYOS_STORAGE_ACCOUNTS: accounts,
  });

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
    expect(parseChunkMessage(JSON.stringify(message), config.downloadHosts, config.byosContainers).byos).toEqual(
      message?.byos,
    );
  });

  it("quarantines a chunk in an account that is not listed, naming BYOS_STORAGE_ACCOUNTS", () => {
    const error = rejection(() =>
      chunkMessagesWithByos(envelopeOf(GA), policy("https://fabrikam.blob.core.windows.net/acs-recordings")),
    );
    expect(error.field).toBe("data.recordingStorageInfo.recordingChunks[0].contentLocation");
    expect(error.message).toMatch(
      /https:\/\/contosorecordings\.blob\.core\.windows\.net, which is not a container listed in BYOS_STORAGE_ACCOUNTS/,
    );
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
          chunk["metadataLocation"] =
            "https://storage.asm.skype.com/v1/objects/0-eus-d12-801b3f3fc462fe8a01e6810cbff729b8/content/acsmetadata";
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

describe("BYOS locations are bound to the chunk: its container, ACS's layout, its own documentId", () => {
  const DOCUMENT = "0-eus-d12-801b3f3fc462fe8a01e6810cbff729b8";
  const FOLDER = "20231117/6a1f2c3d-4b5e-4f60-8a71-92b3c4d5e6f7/eyJQbGF0-5f0d2b8e-7c41-4d7e-9a2c-3f9c1b0e6a51";
  const withLocations = (content: string, metadata?: string) =>
    envelopeOf(GA, (event) => {
      const chunk = event.data.recordingStorageInfo.recordingChunks[0] ?? {};
      chunk["contentLocation"] = content;
      if (metadata === undefined) delete chunk["metadataLocation"];
      else chunk["metadataLocation"] = metadata;
    });
  const inContainer = (name: string): string => `${CONTOSO}/${name}`;
  const metadata = inContainer(`${FOLDER}/0-acsmetadata.${DOCUMENT}.json`);

  it.each([
    ["another media kind and extension", `${FOLDER}/0-audiowav.${DOCUMENT}.wav`],
    ["video", `${FOLDER}/0-videomp4.${DOCUMENT}.mp4`],
    ["another chunk id", `${FOLDER}/3-audiomp3.${DOCUMENT}.mp3`],
    [
      "another date, call id (a server call id) and recording folder",
      `20260101/aHR0cHM6Ly9hcGkuZXhhbXBsZQ/abcdefgh-0000/0-audiomp3.${DOCUMENT}.mp3`,
    ],
    ["a percent-encoded but plain segment", `${FOLDER.replace("eyJQbGF0", "eyJQ%62GF0")}/0-audiomp3.${DOCUMENT}.mp3`],
  ])("accepts what varies in ACS's layout: %s", (_name, name) => {
    const [message] = chunkMessagesWithByos(withLocations(inContainer(name), metadata), policy(CONTOSO));
    expect(message?.byos?.contentBlob).toBe(inContainer(name));
  });

  it.each([
    ["an arbitrary blob of the container", inContainer("hr/salaries.csv"), /layout|documentId/],
    [
      "the right layout with another documentId",
      inContainer(`${FOLDER}/0-audiomp3.0-eus-d12-someoneelse.mp3`),
      /does not name the chunk's documentId/,
    ],
    [
      "the layout the 2025 code bases observed (no documentId in the name)",
      inContainer(`${FOLDER}/0-audiomp3.mp3`),
      /documentId/,
    ],
    ["a folder too many", inContainer(`x/${FOLDER}/0-audiomp3.${DOCUMENT}.mp3`), /layout/],
    [
      "a %2e%2e segment",
      inContainer(`%2e%2e/${FOLDER.split("/").slice(1).join("/")}/0-audiomp3.${DOCUMENT}.mp3`),
      /'\.\.' segment/,
    ],
    ["a literal .. segment", inContainer(`${FOLDER}/../0-audiomp3.${DOCUMENT}.mp3`), /'\.\.' segment/],
    ["an encoded slash", inContainer(`${FOLDER}/a%2F0-audiomp3.${DOCUMENT}.mp3`), /encoded slash/],
    ["an encoded backslash", inContainer(`${FOLDER}/a%5C0-audiomp3.${DOCUMENT}.mp3`), /backslash/],
    ["an empty segment", inContainer(`20231117//x/0-audiomp3.${DOCUMENT}.mp3`), /empty/],
    ["a fragment", `${inContainer(`${FOLDER}/0-audiomp3.${DOCUMENT}.mp3`)}#x`, /fragment/],
    ["the metadata document as the media", metadata, /metadata document, not its media/],
    [
      "another container of the account",
      `https://contosorecordings.blob.core.windows.net/hr-data/${FOLDER}/0-audiomp3.${DOCUMENT}.mp3`,
      /not a container listed/,
    ],
    [
      "the $logs container",
      "https://contosorecordings.blob.core.windows.net/$logs/blob/2026/12/01/0000/000000.log",
      /not a container listed/,
    ],
    [
      "the container name in capitals",
      `https://contosorecordings.blob.core.windows.net/ACS-RECORDINGS/${FOLDER}/0-audiomp3.${DOCUMENT}.mp3`,
      /not a container listed/,
    ],
  ])("quarantines a content URL that is %s, with the reason", (_name, url, reason) => {
    const error = rejection(() => chunkMessagesWithByos(withLocations(url, metadata), policy(CONTOSO)));
    expect(error.field).toBe("data.recordingStorageInfo.recordingChunks[0].contentLocation");
    expect(error.message).toMatch(reason);
  });

  it("quarantines a metadata URL that is not the chunk's metadata document, or in another container", () => {
    const media = inContainer(`${FOLDER}/0-audiomp3.${DOCUMENT}.mp3`);
    for (const url of [
      inContainer(`${FOLDER}/0-audiomp3.${DOCUMENT}.mp3`),
      inContainer(`${FOLDER}/0-acsmetadata.other-doc.json`),
      inContainer("x.json"),
    ]) {
      expect(rejection(() => chunkMessagesWithByos(withLocations(media, url), policy(CONTOSO))).field, url).toBe(
        "data.recordingStorageInfo.recordingChunks[0].metadataLocation",
      );
    }
    const twoContainers = `${CONTOSO},https://contosorecordings.blob.core.windows.net/second`;
    const elsewhere = `https://contosorecordings.blob.core.windows.net/second/${FOLDER}/0-acsmetadata.${DOCUMENT}.json`;
    expect(
      rejection(() => chunkMessagesWithByos(withLocations(media, elsewhere), policy(twoContainers))).message,
    ).toMatch(/same BYOS_STORAGE_ACCOUNTS container/);
  });

  it("the queue-side parser refuses a BYOS message whose blobs leave the binding, naming the field; none without configured containers", () => {
    const config = policy(CONTOSO);
    const [message] = chunkMessagesWithByos(envelopeOf(GA), config);
    if (!message?.byos) throw new Error("no BYOS message");
    const tampered = (byos: Partial<NonNullable<typeof message.byos>>) =>
      JSON.stringify({ ...message, byos: { ...message.byos, ...byos } });
    const refusal = (text: string, containers = config.byosContainers): string => {
      try {
        parseChunkMessage(text, config.downloadHosts, containers);
      } catch (error) {
        return `${(error as { field?: string }).field}: ${(error as Error).message}`;
      }
      return "accepted";
    };
    expect(refusal(tampered({ contentBlob: inContainer("hr/salaries.csv") }))).toMatch(/^byos\.contentBlob: /);
    expect(refusal(tampered({ metadataBlob: inContainer("hr/salaries.json") }))).toMatch(/^byos\.metadataBlob: /);
    expect(refusal(tampered({ account: "https://fabrikam.blob.core.windows.net" }))).toMatch(/^byos\.account: /);
    expect(refusal(JSON.stringify(message), [])).toMatch(/^byos\.contentBlob: .*BYOS_STORAGE_ACCOUNTS/);
    expect(refusal(JSON.stringify(message))).toBe("accepted");
  });
});
