import type { Timer } from "@azure/functions";
import { describe, expect, it } from "vitest";
import type { DeadlineWatch, DeadlineWatchResult } from "../../src/catalog/deadlineWatch";
import { AppNotConfiguredError, StorageUnavailableError } from "../../src/errors";
import { watchDeadlines } from "../../src/functions/watchDeadlines";
import { fakeService, notConfigured } from "../support/handlerHarness";
import { capturingContext } from "../support/testSettings";

const TIMER: Timer = {
  isPastDue: false,
  schedule: { adjustForDST: true },
  scheduleStatus: { last: "", next: "", lastUpdated: "" },
};
const RESULT: DeadlineWatchResult = {
  recordings: 2,
  chunks: 5,
  atRisk: 1,
  atRiskRecordings: 1,
  published: 1,
  unpublished: 0,
  unreadable: 0,
  truncated: false,
};

describe("watchDeadlines: the timer's decisions", () => {
  it("runs the watch once per tick, with the function's log", async () => {
    let runs = 0;
    const { context, logs } = capturingContext("watchDeadlines");
    const watch = fakeService<DeadlineWatch>({
      run: (log) => {
        runs += 1;
        log.info("1 recording at risk");
        return Promise.resolve(RESULT);
      },
    });
    await watchDeadlines(() => watch)(TIMER, context);
    expect(runs).toBe(1);
    expect(logs.map((line) => line.message)).toEqual(["1 recording at risk"]);
  });

  it("throws when Storage fails: the host logs it and the next tick tries again", async () => {
    const down = new StorageUnavailableError("The archive container did not answer.");
    const watch = fakeService<DeadlineWatch>({ run: () => Promise.reject(down) });
    await expect(watchDeadlines(() => watch)(TIMER, capturingContext().context)).rejects.toBe(down);
  });

  it("throws AppNotConfiguredError while a setting is bad", async () => {
    await expect(
      watchDeadlines(notConfigured<DeadlineWatch>())(TIMER, capturingContext().context),
    ).rejects.toBeInstanceOf(AppNotConfiguredError);
  });
});
