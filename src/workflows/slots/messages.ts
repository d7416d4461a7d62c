/**
 * Messages of the slot manager (`slotManagerWorkflow`) and its holders: the requests, grants, releases and
 * back-pressure reports they exchange, the snapshot query and the configure update, with their payload types.
 * Workflow-safe; the slot activities and the client import this module, never the workflow.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { SpeedMode } from '../../mj/types';
import { SLOT_MANAGER_ID_PREFIX } from '../../shared/defaults';
import type { Duration } from '../../shared/duration';
import type { SlotLimits, SlotPriority } from '../../shared/types';

/** Workflow type name of the slot manager, for starts by name (signal-with-start from an activity). */
export const SLOT_MANAGER_WORKFLOW_TYPE = 'slotManagerWorkflow';

/** `ApplicationFailure.type` values of the slot manager. */
export const SLOT_FAILURE = {
  /** Limits out of range: rejected by `configureSlotsUpdate`'s validator, or the manager's start input. */
  invalidLimits: 'InvalidSlotLimits',
} as const;

/** A holder's request for a slot (payload of {@link acquireSlotSignal}). */
export interface SlotRequest {
  /** The holder workflow; grants are signalled without a run id, so a continued-as-new run receives them. */
  workflowId: string;
  /** `<firstExecutionRunId>/<key>`: the same across continue-as-new and workflow retries of the holder. */
  requestId: string;
  /** The holder's first run id: a workflow id reused by another execution chain is another holder. */
  firstRunId: string;
  /** The holder already runs upstream work under this slot (a continued run): grant at once, even over the limit. */
  resume?: boolean;
  /** The limits the holder was started with; adopted unless an operator pinned the manager's limits. */
  limits?: SlotLimits;
  /** Interactive requests are granted ahead of waiting batch ones. @default 'interactive' */
  priority?: SlotPriority;
}

/** Payload of {@link releaseSlotSignal}: withdraws a waiting request or frees a held slot. */
export interface SlotRelease {
  workflowId: string;
  requestId: string;
}

/** Payload of {@link slotGrantedSignal}, sent to the holder. */
export interface SlotGrant {
  requestId: string;
  /** Grant number within the manager; a repeated grant of the same slot keeps its lease. */
  lease: number;
  /** When the manager granted the slot first (epoch ms, manager workflow time). */
  grantedAt: number;
}

/** Payload of {@link reportBackPressureSignal}: the proxy said "queue full" (code 23) or 429. */
export interface SlotBackPressure {
  /** Pause new grants this long. @default SLOT_COOL_DOWN.default (capped at SLOT_COOL_DOWN.max) */
  retryAfterMs?: number;
}

/** Argument of {@link configureSlotsUpdate}. Omitted fields stay; `null` clears an optional limit. */
export interface SlotConfigChange {
  limit?: number;
  dailyCap?: number | null;
  minSpacing?: Duration | null;
  reservedForInteractive?: number | null;
  /** Keep these limits even when holders ask with others. @default true */
  pin?: boolean;
}

export interface SlotHolder {
  workflowId: string;
  requestId: string;
  firstRunId: string;
  lease: number;
  /** Epoch ms (manager workflow time). */
  grantedAt: number;
  /** @default 'interactive' */
  priority?: SlotPriority;
}

export interface SlotWaiter {
  workflowId: string;
  requestId: string;
  firstRunId: string;
  requestedAt: number;
  /** @default 'interactive' */
  priority?: SlotPriority;
}

/** `interactive-share`: only batch requests wait, and batch work holds every slot it may (`batchSlotLimit`). */
export type SlotBlock = 'limit' | 'interactive-share' | 'daily-cap' | 'cool-down' | 'spacing';

/** Answer of {@link getSlotsQuery}. */
export interface SlotsSnapshot {
  account: string;
  mode: SpeedMode;
  limits: SlotLimits;
  pinned: boolean;
  holders: SlotHolder[];
  /** In arrival order; interactive ones are granted first. */
  waiting: SlotWaiter[];
  /** The current UTC day, `YYYY-MM-DD`, and the slots granted on it. */
  day: string;
  grantedToday: number;
  /** Why the head of the queue waits, and until when if a timer ends it. */
  blocked?: { by: SlotBlock; until?: number };
  coolDownUntil?: number;
  /** `granted = released + reclaimed + holders` over the manager's life. */
  totals: SlotTotals;
  /** Continue-as-new count. */
  generation: number;
}

export interface SlotTotals {
  granted: number;
  released: number;
  reclaimed: number;
}

/** What survives a continue-as-new of the manager. */
export interface SlotManagerCarry {
  limits: SlotLimits;
  pinned: boolean;
  holders: SlotHolder[];
  waiting: SlotWaiter[];
  /** Holders whose grant must be (re)sent. */
  resend: SlotRelease[];
  day: number;
  grantedToday: number;
  lastGrantAt?: number;
  coolDownUntil?: number;
  nextLease: number;
  totals: SlotTotals;
  generation: number;
}

export interface SlotManagerInput {
  account: string;
  mode: SpeedMode;
  limits: SlotLimits;
  /** How often holders are checked for a closed workflow. @default SLOT_RECLAIM_INTERVAL */
  reclaimInterval?: Duration;
  /** @default SLOT_MANAGER_CONTINUE_AS_NEW_EVENTS */
  continueAsNewAfterEvents?: number;
  /** Internal: state carried across continue-as-new. */
  carry?: SlotManagerCarry;
}

/** Reference to a holder for the liveness check. */
export interface SlotHolderRef {
  workflowId: string;
  firstRunId: string;
}

/** `closed`: the holder's chain ended (or the id now belongs to another chain); `unknown`: describe failed. */
export type SlotHolderState = 'running' | 'closed' | 'unknown';

/** Asks for a slot; idempotent per holder and request id. Sent by the `acquireSlot` activity (signal-with-start). */
export const acquireSlotSignal = defineSignal<[SlotRequest]>('acquireSlot');

/** Gives a slot back (or withdraws a waiting request); unknown requests are ignored. */
export const releaseSlotSignal = defineSignal<[SlotRelease]>('releaseSlot');

/** A holder saw back-pressure upstream: no new grants for a while, so the whole account slows down. */
export const reportBackPressureSignal = defineSignal<[SlotBackPressure]>('reportBackPressure');

/** Sent by the manager to a holder: its slot is granted. */
export const slotGrantedSignal = defineSignal<[SlotGrant]>('slotGranted');

/** Limits, holders, the waiting queue, today's grants and why the queue waits. */
export const getSlotsQuery = defineQuery<SlotsSnapshot>('getSlots');

/** Changes (and by default pins) the limits at runtime; answers the limits now in force. */
export const configureSlotsUpdate = defineUpdate<SlotLimits, [SlotConfigChange]>('configureSlots');

/** Deterministic id of the manager of an account × mode. */
export function slotManagerId(account: string, mode: SpeedMode): string {
  return `${SLOT_MANAGER_ID_PREFIX}-${account}-${mode.toLowerCase()}`;
}

/** What a slot manager's caller asks the slot activity to deliver (signal-with-start to `managerId`). */
export interface AcquireSlotInput {
  managerId: string;
  account: string;
  mode: SpeedMode;
  limits: SlotLimits;
  request: SlotRequest;
}

/** The slot activities workflows call; `createSlotActivities` in src/activities/slots.ts provides them. */
export interface SlotActivities {
  /** Delivers a slot request to the account × mode manager, starting the manager if it does not run. Idempotent. */
  acquireSlot(input: AcquireSlotInput): Promise<void>;
  /** Whether each holder's execution chain still runs (in input order). */
  describeSlotHolders(input: { holders: SlotHolderRef[] }): Promise<SlotHolderState[]>;
}
