import { defineConfig } from "vitest/config";

/** What a test file needs, from its name: Azurite (`.azurite.`), the ACS simulator (`.sim.`) or the compiled app (`.dist.`). */
const INTEGRATION = ["test/**/*.azurite.*test.ts", "test/**/*.sim.*test.ts", "test/**/*.dist.*test.ts"];

/**
 * Two tiers (`npm run test:unit`, `npm run test:integration`; `npm test` runs both):
 * - unit: pure modules, straight from the TypeScript sources: no Azurite, no simulator, no build step;
 * - integration: everything whose file name says it needs Azurite, the simulator or dist/. Its global setup
 *   rebuilds dist/ when it is older than the sources, then starts Azurite.
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
