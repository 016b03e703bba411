import { createCallRecordingSimulator, type StoppedRecording } from "./callAutomation";
import type { CliOptions } from "./cliArgs";
import { startAcsSimulator } from "./startAcsSimulator";
import type { AcsSimulator } from "./types";

/** Starts a simulator as the CLI options say, prints how to reach it, and posts the requested events. */
export async function runCli(options: CliOptions, print: (line: string) => void): Promise<AcsSimulator> {
  const simulator = await startAcsSimulator({
    ...(options.accessKey === undefined ? {} : { accessKey: options.accessKey }),
    ...(options.secondaryKey === undefined ? {} : { secondaryKey: options.secondaryKey }),
    ...(options.host === undefined ? {} : { host: options.host }),
    ...(options.port === undefined ? {} : { ports: { endpoint: options.port } }),
  });
  try {
    for (const name of options.resources ?? []) await simulator.addResource({ name });
    for (const { documentId, size } of options.documents) simulator.addDocument(documentId, { size });
    for (const { documentId, fault } of options.faults) {
      const document = simulator.document(documentId);
      if (!document) throw new Error(`--fault names "${documentId}", which no --document added`);
      simulator.setFaults(documentId, [...document.faults.map((armed) => armed.spec), fault]);
    }
    // The Call Automation recording routes too (any serverCallId counts as a call in progress), so the
    // control API can be tried against `func start`; a stopped recording is announced like ACS would.
    const calls = createCallRecordingSimulator({
      acceptAnyCall: true,
      onStopped: (stopped) => announceStopped(simulator, options, stopped, print),
    });
    simulator.addEndpointRoute(calls.route);
    describe(simulator, options, print);
    // With no --document, --post-event URLs only receive the events of recordings stopped later.
    if (options.documents.length > 0)
      for (const url of options.postEventUrls) await postEvent(simulator, options, url, print);
    return simulator;
  } catch (error) {
    await simulator.close();
    throw error;
  }
}

function describe(simulator: AcsSimulator, options: CliOptions, print: (line: string) => void): void {
  print("ACS recording simulator (local test double; the access keys below are throwaway test keys)");
  print(`  connection string       ${simulator.connectionString}`);
  print(`  secondary               ${simulator.secondaryConnectionString}`);
  print(`  resource id             ${simulator.resourceId}`);
  print(`  endpoint                ${simulator.endpointUrl}`);
  for (const resource of simulator.resources.slice(1)) {
    print(`  resource ${resource.name}`);
    print(`    resource id           ${resource.resourceId}`);
    print(`    connection string     ${resource.connectionString}`);
    print(`    secondary             ${resource.secondaryConnectionString}`);
  }
  print(`  storage                 ${simulator.storageUrl}`);
  print(`  regional                ${simulator.regionalUrl}`);
  print(`  foreign (not ACS)       ${simulator.foreignUrl}`);
  print(`  ALLOWED_DOWNLOAD_HOSTS=${simulator.allowedHosts.join(",")}`);
  for (const { documentId, size } of options.documents) {
    const urls = simulator.urls(documentId);
    const faults = simulator.document(documentId)?.faults.map((armed) => armed.spec.kind) ?? [];
    print(`  document ${documentId} (${size} bytes${faults.length ? `, faults: ${faults.join(", ")}` : ""})`);
    print(`    contentLocation   ${urls.contentLocation}`);
    print(`    metadataLocation  ${urls.metadataLocation}`);
    print(`    deleteLocation    ${urls.deleteLocation}`);
    print(`    2021 preview API media    ${urls.preview2021Content}`);
  }
}

async function postEvent(
  simulator: AcsSimulator,
  options: CliOptions,
  url: string,
  print: (line: string) => void,
): Promise<void> {
  const event = simulator.recordingEvent({
    schema: options.eventSchema,
    era: options.era,
    chunks: options.documents.map(({ documentId, size }) => ({ documentId, size })),
  });
  try {
    const result = await simulator.postEvents(url, [event], { schema: options.eventSchema });
    print(
      `  posted event ${event.id} to ${url}: HTTP ${result.status}${result.body ? ` ${result.body.slice(0, 200)}` : ""}`,
    );
  } catch (error) {
    print(`  posting the event to ${url} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Registers the stopped recording's file and posts its RecordingFileStatusUpdated to every --post-event URL. */
async function announceStopped(
  simulator: AcsSimulator,
  options: CliOptions,
  stopped: StoppedRecording,
  print: (line: string) => void,
): Promise<void> {
  const documentId = `rec-${stopped.recordingId}`.replace(/[^A-Za-z0-9-]/g, "-").slice(0, 100);
  simulator.addDocument(documentId, { size: 4 * 1024 * 1024, format: stopped.format });
  print(`  recording ${stopped.recordingId} stopped (${stopped.endReason}); its file is document ${documentId}`);
  const event = simulator.recordingEvent({
    schema: options.eventSchema,
    serverCallId: stopped.serverCallId,
    recordingId: stopped.recordingId,
    chunks: [{ documentId, size: 4 * 1024 * 1024, format: stopped.format }],
  });
  for (const url of options.postEventUrls) {
    try {
      const result = await simulator.postEvents(url, [event], { schema: options.eventSchema });
      print(`  posted event ${event.id} to ${url}: HTTP ${result.status}`);
    } catch (error) {
      print(`  posting the event to ${url} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
