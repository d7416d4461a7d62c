/**
 * The one test every long-lived workflow makes before continuing as new: its history passed its limit (a default in
 * src/shared/defaults.ts, or the input's `continueAsNewAfterEvents`), or the server suggests it. Reads
 * `workflowInfo()` only: it schedules nothing, so calling it adds no command.
 */
import { workflowInfo } from '@temporalio/workflow';

export function historyIsLong(limit: number): boolean {
  const info = workflowInfo();
  return info.continueAsNewSuggested || info.historyLength > limit;
}
