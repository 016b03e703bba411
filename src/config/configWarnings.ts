import { acsResourceWarnings } from "./acsResources";
import { memoryBudgetWarnings, type AppConfig } from "./appConfig";

/**
 * What a valid configuration still deserves a warning for, in the same words for the app (logged once at start) and
 * the command line: names of settings only, never their values.
 */
export function configWarnings(config: AppConfig): string[] {
  const warnings: string[] = [];
  // With ACS_RESOURCES groups the accepted resources are explicit (src/config/acsResources.ts).
  if (config.allowedAcsResources.length === 0 && config.acsResources.groups.length === 0) {
    warnings.push(
      "ALLOWED_ACS_RESOURCES is not set: recording events from ANY Event Grid topic are accepted. " +
        "Set it to your ACS resource id(s) so replayed or forged events are rejected.",
    );
  }
  warnings.push(...acsResourceWarnings(config.acsResources));
  warnings.push(...memoryBudgetWarnings(config.archiveMemoryBudget));
  if (config.participantIndexKey === undefined) {
    warnings.push(
      "PARTICIPANT_INDEX_KEY is not set: the participant index is disabled (no entries written, POST /api/archive/participants/search answers 503).",
    );
  }
  return warnings;
}
