import { app, type InvocationContext, type Timer, type TimerHandler } from "@azure/functions";
import { lazyService, type Lazy } from "../app/serviceProvider";
import type { DeadlineWatch } from "../catalog/deadlineWatch";
import { escapingLog } from "../shared/logSafe";

/**
 * Timer, every 15 minutes: publishes one RecordingDeadlineAtRisk per recording with chunks intake expected (its
 * first event's or later events') that are still not archived, nor erased, with a quarter of their window or less
 * left (also those whose message is never delivered), and logs one line of counts. Throws when Storage fails or a setting is bad: the host logs it, the next run tries again.
 */
export function watchDeadlines(watch: Lazy<DeadlineWatch>): TimerHandler {
  return async (_timer: Timer, context: InvocationContext): Promise<void> => {
    await watch().run(escapingLog(context));
  };
}

app.timer("watchDeadlines", {
  schedule: "0 */15 * * * *",
  runOnStartup: false,
  handler: watchDeadlines(lazyService((services) => services.deadlineWatch)),
});
