#!/usr/bin/env node
/** `recording-archiver`: see usage.ts (or run it with --help). */
import { describeError } from "../errors";
import { runCli } from "./runCli";

function exit(code: number): void {
  // Let stdout drain (a pipe may be asynchronous) before ending the process and its idle sockets.
  process.stdout.write("", () => process.exit(code));
}

runCli(process.argv.slice(2), {
  env: process.env,
  cwd: process.cwd(),
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
}).then(exit, (error: unknown) => {
  process.stderr.write(`recording-archiver: unexpected failure: ${describeError(error)}\n`);
  exit(1);
});
