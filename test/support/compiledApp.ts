import { readdirSync } from "node:fs";
import Module, { createRequire } from "node:module";
import { join, resolve } from "node:path";

/** What `registerFunction(metadata, handler)` received, as the Functions host would see it. */
export interface RegisteredFunction {
  readonly metadata: {
    name: string;
    bindings: Record<string, { type: string; direction: string; [key: string]: unknown }>;
    [key: string]: unknown;
  };
  readonly handler: (...args: unknown[]) => unknown;
}

const root = resolve(__dirname, "..", "..");
const appRequire = createRequire(join(root, "package.json"));

/** Expands package.json `main` (`{a,b}` alternatives and `*` in the file name) against the compiled tree. */
export function mainEntryFiles(): string[] {
  const main = (appRequire("./package.json") as { main: string }).main;
  const brace = /\{([^}]*)\}/.exec(main);
  const patterns = brace ? brace[1]!.split(",").map((alt) => main.replace(brace[0], alt)) : [main];
  return patterns.flatMap((pattern) => {
    const full = join(root, pattern);
    const dir = full.slice(0, full.lastIndexOf("/"));
    const name = full.slice(full.lastIndexOf("/") + 1);
    const matcher = new RegExp(`^${name.replace(/\./g, "\\.").replace(/\*/g, "[^/]*")}$`);
    return readdirSync(dir).filter((file) => matcher.test(file)).map((file) => join(dir, file));
  });
}

/**
 * Loads the compiled app the way the Functions Node.js worker does: it makes `@azure/functions-core`
 * resolvable (here a recorder), then requires every file named by package.json `main`.
 * `settings` become the process environment (app settings) for the load.
 */
export function loadCompiledApp(settings: Record<string, string>): RegisteredFunction[] {
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
  const moduleInternals = Module as unknown as {
    _load: (request: string, parent: unknown, isMain: boolean) => unknown;
  };
  const originalLoad = moduleInternals._load;
  for (const key of Object.keys(appRequire.cache)) {
    if (key.startsWith(join(root, "dist")) || key.includes(`${join("node_modules", "@azure", "functions")}/`)) delete appRequire.cache[key];
  }
  const previous = { ...process.env };
  Object.assign(process.env, settings);
  moduleInternals._load = function load(request, parent, isMain) {
    if (request === "@azure/functions-core") return core;
    return originalLoad.call(this, request, parent, isMain);
  };
  try {
    for (const file of mainEntryFiles()) appRequire(file);
  } finally {
    moduleInternals._load = originalLoad;
    for (const key of Object.keys(settings)) {
      if (previous[key] === undefined) delete process.env[key];
      else process.env[key] = previous[key];
    }
  }
  return registered;
}

export function findFunction(functions: readonly RegisteredFunction[], name: string): RegisteredFunction {
  const found = functions.find((fn) => fn.metadata.name === name);
  if (!found) throw new Error(`Function ${name} is not registered; registered: ${functions.map((fn) => fn.metadata.name).join(", ")}`);
  return found;
}
