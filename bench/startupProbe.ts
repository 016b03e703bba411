/**
 * One startup measurement in a fresh process, for `npm run bench:startup`: loads an app the way the Functions Node.js
 * worker does (tools/functionsHost.ts: an injected @azure/functions-core, then every file its package.json `main`
 * names), or bare `@azure/functions`; prints `{ ms, functions }` as one JSON line.
 */
import { loadCompiledApp } from "../tools/functionsHost";

const [variant, appRoot] = process.argv.slice(2);
const started = performance.now();
let functions = 0;
// eslint-disable-next-line @typescript-eslint/no-require-imports -- what is measured is exactly this require
if (variant === "bare") require("@azure/functions");
else functions = loadCompiledApp(appRoot).length;
process.stdout.write(`${JSON.stringify({ ms: performance.now() - started, functions })}\n`);
