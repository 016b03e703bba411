import { describe, expect, it } from "vitest";
import { memoryBudgetWarnings, parseConfig } from "../../src/config/appConfig";
import { TEST_ACS_CONNECTION_STRING } from "../support/testSettings";

const MIB = 1024 * 1024;
const budgetOf = (value: string): number =>
  parseConfig({
    AzureWebJobsStorage: "UseDevelopmentStorage=true",
    ACS_CONNECTION_STRING: TEST_ACS_CONNECTION_STRING,
    ARCHIVE_MEMORY_BUDGET: value,
  }).archiveMemoryBudget;

describe("ARCHIVE_MEMORY_BUDGET against the memory the process may use", () => {
  it("is quiet for the default on a 2,048 MB instance and for 2.5 GiB on a 4,096 MB one", () => {
    expect(memoryBudgetWarnings(budgetOf("1GiB"), 2048 * 1000 * 1000)).toEqual([]);
    expect(memoryBudgetWarnings(budgetOf("2.5GiB"), 4096 * 1000 * 1000)).toEqual([]);
  });

  it("warns, naming the setting and the sizes, when a typo leaves the host and worker no room (10GiB on a 2,048 MB instance)", () => {
    const [warning, ...more] = memoryBudgetWarnings(budgetOf("10GiB"), 2048 * MIB);
    expect(more).toEqual([]);
    expect(warning).toContain("ARCHIVE_MEMORY_BUDGET (10240 MiB)");
    expect(warning).toContain("2048 MiB this process may use");
  });

  it("says nothing when the memory the process may use is unknown", () => {
    expect(memoryBudgetWarnings(64 * 1024 * MIB, Number.NaN)).toEqual([]);
  });
});
