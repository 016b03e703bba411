import { readFileSync } from "node:fs";
import Module from "node:module";
import { join } from "node:path";
import { globSync } from "tinyglobby";
import { repoRoot } from "./soak/repoRoot";

/** What the Functions host receives through `registerFunction(metadata, handler)`. */
export interface RegisteredFunction {
  readonly metadata: {
    readonly name: string;
    readonly bindings: Record<
      string,
      { readonly type: string; readonly direction: string; readonly [key: string]: unknown }
    >;
  };
  readonly handler: (...args: unknown[]) => unknown;
}

/**
 * package.json `main` expanded as the Functions Node.js worker expands it (a glob against the app root: `{a,b}`,
 * `*`, `**`), in a stable order. Like the worker, an app whose `main` matches no file is refused.
 */
export function mainEntryFiles(root: string = repoRoot()): string[] {
  const main = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { main?: unknown }).main;
  if (typeof main !== "string" || main === "")
    throw new Error(`${join(root, "package.json")} has no "main" naming the app's entry files`);
  const files = globSync(main, { cwd: root, absolute: true, onlyFiles: true }).sort();
  if (files.length === 0)
    throw new Error(`package.json "main" (${main}) matches no file under ${root}: build the app first (npm run build)`);
  return files;
}

/**
 * Loads the compiled app as the Functions Node.js worker does: `@azure/functions-core` is made resolvable
 * (here a recorder of registrations), then every file named by package.json `main` is required. The app
 * settings are this process's environment.
 */
export function loadCompiledApp(
  root: string = repoRoot(),
  load: (file: string) => unknown = require,
): RegisteredFunction[] {
  const registered: RegisteredFunction[] = [];
  const core = {
    setProgrammingModel: () => undefined,
    getProgrammingModel: () => undefined,
    registerHook: () => ({ dispose: () => undefined }),
    registerFunction: (metadata: RegisteredFunction["metadata"], handler: RegisteredFunction["handler"]) => {
      registered.push({ metadata, handler });
      return { dispose: () => undefined };
    },
    log: () => undefined,
  };
  const internals = Module as unknown as { _load: (request: string, parent: unknown, isMain: boolean) => unknown };
  const originalLoad = internals._load;
  internals._load = function load(request, parent, isMain) {
    if (request === "@azure/functions-core") return core;
    return originalLoad.call(this, request, parent, isMain);
  };
  try {
    for (const file of mainEntryFiles(root)) load(file);
  } finally {
    internals._load = originalLoad;
  }
  return registered;
}
