import { DEFAULT_TOPIC, type AcsSimulator, type CloudEvent, type EventGridEvent } from "../acsSimulator";
import type { PlannedRecording } from "./chunkPlan";
import { chunkKeyOf, expectedNames, type ExpectedChunk } from "./expectedChunk";
import type { Prng } from "./prng";
import type { SoakOptions } from "./soakOptions";

const CONTENT_TYPES = { mp4: "video/mp4", mp3: "audio/mpeg", wav: "audio/wav" } as const;

/** One Event Grid delivery: a batch of events, due at `atMs` after the feed starts. */
export interface Delivery {
  readonly atMs: number;
  readonly events: readonly object[];
  /** How many of its events are repeats of an event delivered before (or in parallel). */
  readonly repeats: number;
}

export interface PreparedFeed {
  readonly deliveries: readonly Delivery[];
  readonly expected: readonly ExpectedChunk[];
  readonly events: number;
  readonly eventDeliveries: number;
}

/**
 * Registers every planned document in the simulator (events built by the simulator's own `recordingEvent`),
 * arms its faults, and cuts the events into deliveries spread over `feedSpreadMs`: first copies in batches of
 * 1-6 events, repeats as separate deliveries soon after (so they race the first) or late (after it is archived).
 */
export function prepareFeed(
  sim: AcsSimulator,
  recordings: readonly PlannedRecording[],
  rng: Prng,
  options: SoakOptions,
  now = Date.now(),
): PreparedFeed {
  const expected: ExpectedChunk[] = [];
  const firsts: { at: number; event: object }[] = [];
  const repeats: Delivery[] = [];
  const times = recordings.map(() => rng.real(0, options.feedSpreadMs)).sort((a, b) => a - b);
  recordings.forEach((recording, position) => {
    for (const chunk of recording.chunks) {
      if (chunk.ignoreRange)
        sim.addDocument(chunk.documentId, { size: chunk.size, format: recording.format, ignoreRange: true });
    }
    const event: EventGridEvent | CloudEvent = sim.recordingEvent({
      schema: recording.schema,
      era: recording.era,
      id: recording.eventId,
      callId: recording.callId,
      eventTime: new Date(now - recording.eventAgeMs).toISOString(),
      chunks: recording.chunks.map((chunk) => ({
        documentId: chunk.documentId,
        size: chunk.size,
        format: recording.format,
        index: chunk.index,
      })),
    });
    for (const chunk of recording.chunks) {
      if (chunk.faults.length > 0) sim.setFaults(chunk.documentId, chunk.faults);
      const names = expectedNames(
        recording.callId,
        event.data.recordingStartTime,
        recordingIdOf(event),
        chunk.index,
        recording.chunks.length,
        chunk.documentId,
        recording.format,
      );
      expected.push({
        chunkKey: chunkKeyOf(DEFAULT_TOPIC, chunk.documentId, chunk.index),
        documentId: chunk.documentId,
        index: chunk.index,
        size: chunk.size,
        mediaName: names.media,
        contentType: CONTENT_TYPES[recording.format],
        metadataName: names.metadata,
        ignoreRange: chunk.ignoreRange,
        deletable: recording.era === "ga",
        faultLabels: chunk.faultLabels,
        copies: recording.copies,
        ...(chunk.permanent ? { permanent: chunk.permanent } : {}),
      });
    }
    const at = times[position] ?? 0;
    firsts.push({ at, event });
    for (let copy = 1; copy < recording.copies; copy++) {
      const late = rng.chance(0.5);
      const delay = late ? rng.real(options.lateDuplicateMs / 3, options.lateDuplicateMs) : rng.real(0, 1_500);
      repeats.push({ atMs: at + delay, events: [structuredClone(event)], repeats: 1 });
    }
  });
  const batches: Delivery[] = [];
  for (let next = 0; next < firsts.length;) {
    const size = rng.int(1, 6);
    const batch = firsts.slice(next, next + size);
    batches.push({ atMs: batch[0]?.at ?? 0, events: batch.map((item) => item.event), repeats: 0 });
    next += size;
  }
  const deliveries = [...batches, ...repeats].sort((a, b) => a.atMs - b.atMs);
  return {
    deliveries,
    expected,
    events: recordings.length,
    eventDeliveries: deliveries.reduce((sum, delivery) => sum + delivery.events.length, 0),
  };
}

/** The recording id the event names (data.recordingId, or the subject's `/recordingId/<id>`), read independently of src/. */
function recordingIdOf(event: EventGridEvent | CloudEvent): string | undefined {
  const fromData = (event.data as { recordingId?: unknown }).recordingId;
  if (typeof fromData === "string") return fromData;
  return /\/recordingId\/([^/]+)/.exec(event.subject ?? "")?.[1];
}
