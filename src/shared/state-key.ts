/**
 * The idempotency key sent in the proxy's `state` field. It ties an upstream task to the workflow that submitted it
 * (webhook routing) and to the step (reconciliation after an unknown submit outcome). Deterministic and workflow-safe.
 */
import { MAX_STATE_LENGTH } from './defaults';
import { idHash } from './fnv';

const PREFIX = 'mjt1';
const HASHED_PREFIX = 'mjt1h';

export interface StateKey {
  /** Present unless the key had to be hashed to fit 255 characters. */
  workflowId?: string;
  step: number;
}

export function makeStateKey(workflowId: string, step: number): string {
  const plain = `${PREFIX}|${workflowId}|${step}`;
  if (plain.length <= MAX_STATE_LENGTH) return plain;
  return `${HASHED_PREFIX}|${idHash(workflowId)}|${step}`;
}

/** Parses a state written by {@link makeStateKey}; null for anything else (foreign tasks, gateways' ""). */
export function parseStateKey(state: string | null | undefined): StateKey | null {
  if (!state) return null;
  const first = state.indexOf('|');
  const last = state.lastIndexOf('|');
  if (first < 0 || last <= first) return null;
  const prefix = state.slice(0, first);
  const step = Number(state.slice(last + 1));
  if (!Number.isInteger(step) || step < 0) return null;
  if (prefix === PREFIX) return { workflowId: state.slice(first + 1, last), step };
  if (prefix === HASHED_PREFIX) return { step };
  return null;
}
