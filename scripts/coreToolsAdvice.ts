/**
 * What `npm start` tells a user whose Azure Functions Core Tools (`func`) is missing, by Node and
 * npm version. Core Tools 4.x declares Node >= 22, so on Node 20 npm skips the optional dependency;
 * its install script (which downloads the Functions host) is blocked by npm 12 unless allowed, and
 * npm 11.16+ lists it as unreviewed. This project allows it in package.json `allowScripts`.
 */
export interface Toolchain {
  /** process.versions.node, e.g. "20.20.2". */
  readonly node: string;
  /** npm's version from npm_config_user_agent ("npm/11.19.1 node/..."), if npm started us. */
  readonly npm?: string;
}

function major(version: string | undefined): number | undefined {
  const value = Number.parseInt(version ?? "", 10);
  return Number.isFinite(value) ? value : undefined;
}

export function npmVersionFromUserAgent(userAgent: string | undefined): string | undefined {
  return /\bnpm\/(\d+\.\d+\.\d+)/.exec(userAgent ?? "")?.[1];
}

export function coreToolsAdvice(toolchain: Toolchain): string {
  const node = major(toolchain.node) ?? 0;
  const npm = major(toolchain.npm);
  const lines = ["Azure Functions Core Tools (func) is not available, so the app cannot be started locally."];
  if (node < 22) {
    lines.push(
      `You are on Node ${toolchain.node}. Core Tools 4.x requires Node 22 or later, so npm skipped the optional`,
      "azure-functions-core-tools dependency. Node 22 is the Azure Functions default (Node 20 reached end of life",
      "on 2026-04-30): install Node 22 (or 24), then run npm install and npm start again.",
    );
  } else {
    lines.push(
      "Its npm package downloads the Functions host in its install script, and that did not happen (no network",
      "to its CDN, or install scripts blocked). This project allows that script in package.json allowScripts;",
      "run it with: npm rebuild azure-functions-core-tools",
    );
  }
  if (npm === undefined || npm >= 12) {
    lines.push(
      "npm 12 blocks dependency install scripts unless allowed. For a global install, allow it explicitly:",
      "npm install --global --allow-scripts=azure-functions-core-tools azure-functions-core-tools@4",
    );
  }
  if (npm === undefined || npm < 12) {
    lines.push("Or install it globally: npm install --global azure-functions-core-tools@4");
  }
  lines.push(
    "(Other installers: https://learn.microsoft.com/azure/azure-functions/functions-run-local.)",
    "Everything else works without it: npm test, npm run demo, npm run sim.",
  );
  return lines.join("\n");
}
