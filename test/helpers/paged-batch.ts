/**
 * Shared checks of the paged batch tests: the events of a workflow's history, the manifest's files against the
 * store, and a budget reader standing in for the ledger's `budgets` query.
 */
import type { Client } from '@temporalio/client';
import type { AssetStore } from '../../src/assets/asset-store';
import { sha256Hex } from '../../src/assets/asset-keys';
import type { ManifestLine } from '../../src/shared/batch-run-types';
import type { BudgetStatus } from '../../src/workflows/ledger/messages';

/** Event type names of one run's history, in order (the latest run unless `runId` is given). */
export async function historyEvents(client: Client, workflowId: string, runId?: string) {
  const h = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  return (h.events ?? []).map((e) => ({
    childStart: !!e.startChildWorkflowExecutionInitiatedEventAttributes,
    taskFailed: !!e.workflowTaskFailedEventAttributes,
    signal: e.workflowExecutionSignaledEventAttributes?.signalName ?? undefined,
  }));
}

/** Child starts recorded between the pause and the resume signal of a history (there must be none). */
export function startsWhilePaused(events: { childStart: boolean; signal?: string }[]): number {
  let paused = false;
  let starts = 0;
  for (const e of events) {
    if (e.signal === 'setBatchPaused') paused = !paused;
    if (paused && e.childStart) starts++;
  }
  return starts;
}

/** Every file line's bytes in the store hash to its sha256. @returns how many files were checked */
export async function checkManifestFiles(store: AssetStore, lines: ManifestLine[]): Promise<number> {
  let n = 0;
  for (const l of lines.filter((x) => x.asset)) {
    expect(sha256Hex(await store.get(l.asset!))).toBe(l.sha256);
    n++;
  }
  return n;
}

/** A ledger budgets reader with one refusing tenant budget of `left` (nothing spent). */
export function budgetsLeft(left: number, tenant = 'acme'): { budgets: () => Promise<BudgetStatus[]> } {
  return {
    budgets: async () => [
      {
        scope: 'tenant',
        id: tenant,
        limit: left,
        currency: 'USD',
        period: 'day',
        onExceed: 'refuse',
        name: `tenant:${tenant}/day`,
        target: tenant,
        spent: 0,
        window: '2026-12-05',
      } as BudgetStatus,
    ],
  };
}
