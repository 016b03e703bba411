/**
 * `npm start`: runs the Functions app locally. Creates local.settings.json from the example when
 * missing, starts Azurite (data in ./.azurite, default ports) unless one already listens, and runs
 * `func start`. Exits non-zero with one clear message when Azure Functions Core Tools is missing, saying
 * what to do on this Node and npm version (scripts/coreToolsAdvice.ts).
 */
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync } from "node:fs";
import { connect } from "node:net";
import { join, resolve } from "node:path";
import { startAzurite, type RunningAzurite } from "../tools/azurite";
import { coreToolsAdvice, npmVersionFromUserAgent } from "./coreToolsAdvice";

const root = resolve(__dirname, "..", "..");

/** `func` from node_modules/.bin or PATH; FUNC_PATH, when set, is the only candidate. */
function findFunc(): string | undefined {
  const local = join(root, "node_modules", ".bin", process.platform === "win32" ? "func.cmd" : "func");
  const candidates = process.env["FUNC_PATH"] ? [process.env["FUNC_PATH"]] : [local, "func"];
  for (const candidate of candidates) {
    const probe = spawnSync(candidate, ["--version"], {
      encoding: "utf8",
      shell: process.platform === "win32",
      timeout: 60_000,
    });
    if (probe.status === 0 && /^\d+\.\d+/.test(probe.stdout.trim())) return candidate;
  }
  return undefined;
}

function portInUse(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      done(true);
    });
    socket.once("error", () => done(false));
  });
}

async function main(): Promise<number> {
  const settings = join(root, "local.settings.json");
  if (!existsSync(settings)) {
    copyFileSync(join(root, "local.settings.json.example"), settings);
    console.log("Created local.settings.json from local.settings.json.example; edit it to point at your ACS resource.");
  }
  const func = findFunc();
  if (!func) {
    console.error(
      coreToolsAdvice({
        node: process.versions.node,
        npm: npmVersionFromUserAgent(process.env["npm_config_user_agent"]),
      }),
    );
    return 1;
  }
  let azurite: RunningAzurite | undefined;
  if (await portInUse(10000)) {
    console.log("Something already listens on 127.0.0.1:10000; using it as Azurite.");
  } else {
    const location = join(root, ".azurite");
    mkdirSync(location, { recursive: true });
    azurite = await startAzurite({ location, blobPort: 10000, queuePort: 10001, tablePort: 10002 });
    console.log(`Azurite is running (data in ${location}).`);
  }
  const child = spawn(func, ["start", ...process.argv.slice(2)], {
    cwd: root,
    stdio: "inherit",
    shell: process.platform === "win32",
  });
  const stop = (): void => {
    child.kill("SIGINT");
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  const code = await new Promise<number>((done) => child.once("exit", (exitCode) => done(exitCode ?? 1)));
  await azurite?.stop();
  return code;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  },
);
