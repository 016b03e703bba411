import { parseCliArgs } from "./cliArgs";
import { runCli } from "./cliRunner";

/**
 * `node dist/tools/acsSimulator/cli.js --document doc1:64MiB --fault doc1:reset:afterBytes=1048576,times=1`
 * Runs until SIGINT/SIGTERM, then prints the counters.
 */
async function main(): Promise<void> {
  const options = parseCliArgs(process.argv.slice(2));
  const simulator = await runCli(options, (line) => console.log(line));
  console.log("Running; Ctrl+C to stop.");
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    console.log(`counters: ${JSON.stringify(simulator.counters, null, 2)}`);
    void simulator.close().then(() => process.exit(0));
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
