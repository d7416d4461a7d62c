/**
 * What the routing rules exchange: an upstream able to take a request in one mode right now (a candidate), and why
 * another one cannot (a block, with the earliest time it may). Workflow-safe.
 */
import type { ModeLimits, UpstreamHealth, UpstreamView } from '../types';
import type { SpeedMode } from '../../../mj/types';

/**
 * Health as routing reads it: the pool's {@link UpstreamHealth}, except that a disable reason may be any string
 * (the pool adds `operator` for a manual disable).
 */
export type RouteHealth = Omit<UpstreamHealth, 'disabled'> & {
  disabled?: { reason: string; message: string; since: number };
};

export interface RouteCandidate {
  view: UpstreamView;
  /** Position in the configured list (fill-in-order, ties). */
  index: number;
  mode: SpeedMode;
  limits: ModeLimits;
  inFlight: number;
  acceptedToday: number;
  price: number;
}

/** Why an upstream cannot take the request now; `freeAt` is the earliest time it may (epoch ms). */
export interface RouteBlock {
  upstreamId: string;
  reason: string;
  freeAt: number;
}

/** A routing rule picks one of the candidates of the best priority tier (never given an empty list). */
export type RoutePicker = (candidates: readonly RouteCandidate[], cursor: number) => RouteCandidate;

/** A health record for an upstream the pool has not seen yet. */
export const EMPTY_HEALTH: RouteHealth = { inFlight: {}, day: '', accepted: {} };
