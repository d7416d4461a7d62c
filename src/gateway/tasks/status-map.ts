/**
 * Durable job phases → the proxy's status vocabulary (the status table of docs/gateway.md is this list). Callers of the proxy
 * API know SUBMITTED, IN_PROGRESS, MODAL, SUCCESS and FAILURE; our queueing and durable retries stay SUBMITTED with
 * an empty `failReason`, because new-api counts any non-empty failReason before "100%" as a failure and refunds it.
 */
import type { KnownTaskStatus } from '../../mj/types';
import type { JobPhase } from '../../shared/job-phases';

export interface StatusRow {
  phase: JobPhase;
  status: KnownTaskStatus;
  /** What a reader sees as progress; `undefined` = the job's last upstream progress. */
  progress?: string;
  meaning: string;
}

export const STATUS_BY_PHASE: readonly StatusRow[] = [
  { phase: 'submitting', status: 'SUBMITTED', progress: '0%', meaning: 'accepted by us; submitting (and retrying)' },
  { phase: 'queued', status: 'SUBMITTED', progress: '0%', meaning: 'accepted upstream, waiting to start' },
  { phase: 'running', status: 'IN_PROGRESS', meaning: 'running upstream; progress is the upstream percentage' },
  { phase: 'waiting-input', status: 'MODAL', progress: '0%', meaning: 'waits for /submit/modal (held by us)' },
  { phase: 'waiting-modal', status: 'MODAL', progress: '0%', meaning: 'waits for /submit/modal' },
  { phase: 'succeeded', status: 'SUCCESS', progress: '100%', meaning: 'done; buttons and image available' },
  { phase: 'failed', status: 'FAILURE', progress: '100%', meaning: 'failed for good; failReason says why' },
  { phase: 'cancelled', status: 'FAILURE', progress: '100%', meaning: 'cancelled (failReason "cancelled")' },
];

/** Workflow closed without the job memo saying so (terminated, timed out, …). */
export const STATUS_BY_EXECUTION: Readonly<Record<string, KnownTaskStatus>> = {
  COMPLETED: 'SUCCESS',
  FAILED: 'FAILURE',
  CANCELLED: 'FAILURE',
  TERMINATED: 'FAILURE',
  TIMED_OUT: 'FAILURE',
};

const BY_PHASE = new Map<string, StatusRow>(STATUS_BY_PHASE.map((r) => [r.phase, r]));

export function statusRow(phase: string | undefined): StatusRow {
  return BY_PHASE.get(phase ?? 'submitting') ?? BY_PHASE.get('submitting')!;
}

/** @deprecated `isTerminalPhase` (src/shared/job-phases.ts); kept until `task-view.ts` calls it. */
