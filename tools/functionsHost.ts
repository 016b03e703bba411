import { readdirSync, readFileSync } from "node:fs";
import Module from "node:module";
import { join } from "node:path";
import { repoRoot } from "./soak/repoRoot";

/** What the Functions host receives through `registerFunction(metadata, handler)`. */
export interface RegisteredFunction {
  readonly metadata: {
    readonly name: string;
    readonly bindings: Record<string, { readonly type: string; readonly direction: string; readonly [key: string]: unknown }>;
  };
  readonly handler: (...args: unknown[]) => unknown;
}

/** package.json `main` (`{a,b}` alternatives, `*` in the file name) expanded against the compiled tree. */
export function mainEntryFiles(root: string = repoRoot()): string[] {
  const main = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { main: string }).main;
  const brace = /\{([^}]*)\}/.exec(main);
  const patterns = brace ? (brace[1] ?? "").split(",").map((alternative) => main.replace(brace[0], alternative)) : [main];
  return patterns.flatMap((pattern) => {
    const full = join(root, pattern);
    const dir = full.slice(0, full.lastIndexOf("/"));
    const name = full.slice(full.lastIndexOf("/") + 1);
    const matcher = new RegExp(`^${name.replace(/\./g, "\\.").replace(/\*/g, "[^/]*")}$`);
    return readdirSync(dir).filter((file) => matcher.test(file)).map((file) => join(dir, file));
  });
}

/**
 * Loads the compiled app as the Functions Node.js worker does: `@azure/functions-core` is made resolvable
 * (here a recorder of registrations), then every file named by package.json `main` is required. The app
 * settings are this process's environment.
 */
export function loadCompiledApp(root: string = repoRoot(), load: (file: string) => unknown = require): RegisteredFunction[] {
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
