import { afterAll, beforeAll } from "vitest";
import { startAcsSimulator, type AcsSimulator, type StartAcsSimulatorOptions } from "../../tools/acsSimulator";

/**
 * The file's ACS simulator alone, started in beforeAll and closed in afterAll: `const sim = useAcsSimulator();` at the
 * top of a file. Read it inside tests and hooks (it is started there).
 */
export function useAcsSimulator(options?: StartAcsSimulatorOptions): AcsSimulator {
  let current: AcsSimulator | undefined;
  beforeAll(async () => {
    current = await startAcsSimulator(options);
  }, 120_000);
  afterAll(() => current?.close());
  return new Proxy({} as AcsSimulator, {
    get(_target, key) {
      if (!current) throw new Error("The ACS simulator starts in beforeAll: read it inside a test or a hook.");
      const value: unknown = Reflect.get(current, key);
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(current) : value;
    },
  });
}
