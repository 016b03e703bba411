/**
 * One benchmark measurement in its own process (so peak RSS is measured, not estimated). Reads the
 * job from BENCH_JOB, prints one JSON line with the measurement.
 */
import { createHash, randomBytes } from "node:crypto";
import { BlobServiceClient, type ContainerClient } from "@azure/storage-blob";
import { AcsClients } from "../src/acs/acsClients";
import { createServices } from "../src/app/services";
import { blockId } from "../src/archive/transfer/blockPlan";
import { parseConfig, type AppConfig } from "../src/config/appConfig";
import { mapConcurrent } from "../src/shared/mapConcurrent";
import type { BenchJob, BenchMeasurement } from "./benchJob";

const quiet = {
  debug: () => undefined,
  info: () => undefined,
  warn: (...args: unknown[]) => console.error(...args),
  error: (...args: unknown[]) => console.error(...args),
};

async function main(): Promise<void> {
  const job = JSON.parse(process.env["BENCH_JOB"] ?? "{}") as BenchJob;
  const config = parseConfig({
    AzureWebJobsStorage: job.storage,
    ACS_CONNECTION_STRING: job.acsConnectionString,
    ALLOWED_DOWNLOAD_HOSTS: job.allowedHosts,
    RECORDINGS_CONTAINER: job.container,
    DOWNLOAD_BLOCK_SIZE: String(job.blockSize),
    DOWNLOAD_CONCURRENCY: String(job.concurrency),
  });
  const container = BlobServiceClient.fromConnectionString(job.storage).getContainerClient(job.container);
  await container.createIfNotExists();
  const started = process.hrtime.bigint();
  const bytes = await run(job, config, container);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const measurement: BenchMeasurement = {
    mode: job.mode,
    bytes,
    seconds,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
  };
  process.stdout.write(`${JSON.stringify(measurement)}\n`);
}

async function run(job: BenchJob, config: AppConfig, container: ContainerClient): Promise<number> {
  const url = job.message.contentLocation as string;
  const acs = new AcsClients(config.acsResources, config.downloadHosts).forResource(job.message.resource, quiet);
  switch (job.mode) {
    case "ours": {
      const result = await createServices(config).archiveJob.run(job.message, quiet, {
        dequeueCount: 1,
        maxDequeueCount: 5,
      });
      if (result.status !== "archived") throw new Error(`archive ended ${result.status}`);
      return result.bytes;
    }
    case "baseline": {
      // What the public samples do: one signed GET of the whole file, piped into uploadStream(8 MiB, 5).
      const response = await acs.get(url, { field: "contentLocation" });
      await container
        .getBlockBlobClient(`baseline-${job.message.documentId}`)
        .uploadStream(response.body as NodeJS.ReadableStream as never, 8 * 1024 * 1024, 5);
      return job.size;
    }
    case "limitSource": {
      // The simulator's deliverable rate: the same ranged GETs at the same concurrency, bodies discarded.
      const ranges = Array.from({ length: Math.ceil(job.size / job.blockSize) }, (_, i) => i * job.blockSize);
      let received = 0;
      await mapConcurrent(ranges, job.concurrency, async (start) => {
        const response = await acs.get(url, {
          field: "contentLocation",
          range: { start, end: Math.min(job.size, start + job.blockSize) - 1 },
        });
        for await (const piece of response.body as AsyncIterable<Buffer>) received += piece.length;
      });
      if (received !== job.size) throw new Error(`received ${received} of ${job.size}`);
      return received;
    }
    case "limitSink": {
      // Azurite's ingest ceiling: in-memory blocks of the same size, same concurrency, one commit.
      const block = randomBytes(job.blockSize);
      const md5 = createHash("md5").update(block).digest();
      const blob = container.getBlockBlobClient(`sink-${job.message.documentId}`);
      const count = Math.ceil(job.size / job.blockSize);
      const ids = Array.from({ length: count }, (_, i) => blockId(i, job.blockSize, count * job.blockSize));
      const staged = await mapConcurrent(ids, job.concurrency, (id) =>
        blob.stageBlock(id, block, block.length, { transactionalContentMD5: md5 }),
      );
      const failed = staged.find((result): result is PromiseRejectedResult => result.status === "rejected");
      if (failed) throw failed.reason;
      await blob.commitBlockList(ids);
      return count * job.blockSize;
    }
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : String(error));
  process.exit(1);
});
