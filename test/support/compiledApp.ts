import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { loadCompiledApp as loadApp, type RegisteredFunction } from "../../tools/functionsHost";

export type { RegisteredFunction };

const root = resolve(__dirname, "..", "..");
const appRequire = createRequire(join(root, "package.json"));

/**
 * Loads the compiled app the way the Functions Node.js worker does (see tools/functionsHost.ts), afresh:
 * the app's modules and @azure/functions are dropped from the require cache first, and `settings`
 * become the process environment (app settings) for the load.
 */
export function loadCompiledApp(settings: Record<string, string>): RegisteredFunction[] {
  for (const key of Object.keys(appRequire.cache)) {
    if (key.startsWith(join(root, "dist")) || key.includes(`${join("node_modules", "@azure", "functions")}/`))
      delete appRequire.cache[key];
  }
  const previous = { ...process.env };
  Object.assign(process.env, settings);
  try {
    return loadApp(root, appRequire);
  } finally {
    for (const key of Object.keys(settings)) {
      if (previous[key] === undefined) delete process.env[key];
      else process.env[key] = previous[key];
    }
  }
}

export function findFunction(functions: readonly RegisteredFunction[], name: string): RegisteredFunction {
  const found = functions.find((fn) => fn.metadata.name === name);
  if (!found)
    throw new Error(
      `Function ${name} is not registered; registered: ${functions.map((fn) => fn.metadata.name).join(", ")}`,
    );
  return found;
}
