import { defineConfig } from "vitest/config";

/** Integration test files: `<subject>.int.test.ts`. Every other `<subject>.test.ts` is a unit test. */
const INTEGRATION = ["test/**/*.int.test.ts"];

/**
 * Two tiers (`npm run test:unit`, `npm run test:integration`; `npm test` runs both), told apart by one marker in the
 * file name (test/testTiers.test.ts checks the rule):
 * - unit, `<subject>.test.ts`: straight from the TypeScript sources; no Azurite, no simulator, no dist/, no network, no azd hook runs;
 * - integration, `<subject>.int.test.ts`: the first line of each file says what it needs (Azurite, the ACS
 *   simulator, dist/, loopback servers, sh). Its global setup rebuilds dist/ when it is older than the sources, then
 *   starts one Azurite for the run.
 */
export default defineConfig({
  test: {
    pool: "forks",
    testTimeout: 60_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: { name: "unit", include: ["test/**/*.test.ts"], exclude: INTEGRATION },
      },
      {
        extends: true,
        test: { name: "integration", include: INTEGRATION, globalSetup: ["test/support/globalSetup.ts"] },
      },
    ],
  },
});
