import type { MediaFormat } from "./types";

export interface MetadataContext {
  documentId: string;
  format: MediaFormat;
  resourceId: string;
  callId?: string;
  chunkIndex?: number;
  chunkStartTime?: string;
  chunkDurationMs?: number;
}

/**
 * A recording metadata document with the fields of the concepts page (reference section 2). It keeps two quirks
 * seen in real bodies on purpose: `contentType` and `channelType` swapped ("mixed" / "audioVideo"), and
 * `sampleRate` as a string. Parsers must be tolerant; archivers must store the bytes as served.
 */
export function defaultMetadata(context: MetadataContext): object {
  const audioOnly = context.format !== "mp4";
  return {
    resourceId: context.resourceId,
    callId: context.callId ?? "00000000-0000-0000-0000-0000000ca111",
    chunkDocumentId: context.documentId,
    chunkIndex: context.chunkIndex ?? 0,
    chunkStartTime: context.chunkStartTime ?? "2021-04-15T10:00:00.0000000Z",
    chunkDuration: context.chunkDurationMs ?? 60_000,
    pauseResumeIntervals: [],
    recordingInfo: {
      contentType: "mixed",
      channelType: audioOnly ? "audio" : "audioVideo",
      format: context.format,
      audioConfiguration: { sampleRate: "16000", bitRate: 128000, channels: 1 },
      ...(audioOnly
        ? {}
        : {
            videoConfiguration: { longerSideLength: 1920, shorterSideLength: 1080, framerate: 8, bitRate: 1_000_000 },
          }),
    },
    participants: [
      { participantId: "8:acs:00000000-0000-0000-0000-000000000001_00000000-0000-0000-0000-00000000000a" },
      { participantId: "8:acs:00000000-0000-0000-0000-000000000001_00000000-0000-0000-0000-00000000000b" },
    ],
  };
}

export function metadataBuffer(metadata: string | object): Buffer {
  return Buffer.from(typeof metadata === "string" ? metadata : JSON.stringify(metadata), "utf8");
}
