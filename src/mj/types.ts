/**
 * Public types of the midjourney-proxy contract (docs/mj-contract.md).
 * Pure types: safe for `import type` from workflow code.
 */
import type { IntentSpec } from './intents/kinds';

import type { SpeedMode } from './terms/speed-modes';

/** Flavours, auth schemes and speed modes, each derived from its one list in `terms/`. */
export type { MjAuthScheme, MjFlavour } from './terms/flavours';
export type { SpeedMode };

export type KnownTaskStatus = 'NOT_START' | 'SUBMITTED' | 'MODAL' | 'IN_PROGRESS' | 'FAILURE' | 'SUCCESS' | 'CANCEL';
/** Unknown status strings are kept verbatim (§14.10). */
export type TaskStatus = KnownTaskStatus | (string & {});

/** A Discord button as the proxy reports it (§5). */
export interface MjButton {
  customId: string;
  emoji: string;
  label: string;
  type: number;
  style: number;
}

export interface MjMediaUrl {
  url: string;
  thumbnail?: string;
}

/** The normalised task object shared by fetch, list and webhooks (§5). */
export interface MjTask {
  id: string;
  /** Upstream action string, kept verbatim (IMAGINE, UPSCALE, CUSTOM_ZOOM, …). */
  action: string;
  status: TaskStatus;
  prompt: string;
  promptEn: string;
  description: string;
  state: string | null;
  /** Epoch ms; null when unset (null or 0 upstream). */
  submitTime: number | null;
  startTime: number | null;
  finishTime: number | null;
  /** Raw progress text ("46%", "", "Waiting to start"). */
  progress: string;
  /** Parsed percentage 0–100, or null when the text carries none. */
  progressPct: number | null;
  imageUrl: string | null;
  imageUrls: MjMediaUrl[];
  videoUrl: string | null;
  videoUrls: MjMediaUrl[];
  failReason: string | null;
  parentId: string | null;
  mode: SpeedMode | null;
  /** properties.finalPrompt: for describe and shorten this is the result text. */
  finalPrompt: string | null;
  /** properties.finalZhPrompt (plus, new-api): the Chinese twin of `finalPrompt`; null when the flavour has none. */
  finalZhPrompt: string | null;
  properties: Record<string, unknown>;
  /** Always an array; empty until SUCCESS and on novicezk. */
  buttons: MjButton[];
  /**
   * True for a placeholder that says nothing about the task yet: a new-api gateway answers its own row with
   * `status: ""` until its poller first reads the upstream (up to 15 s, even when the upstream has finished).
   * Treat it as "not yet known", never as a status: keep waiting, do not fail, do not resubmit. Parsing always
   * sets it; it is optional only so that hand-built tasks (tests, snapshots) need not.
   */
  stub?: boolean;
}

/** What a submit call turned into (§3, §4). */
export type SubmitOutcome =
  | { kind: 'accepted'; taskId: string; description: string }
  | { kind: 'queued'; taskId: string; ahead: number | null; description: string }
  | { kind: 'modal'; taskId: string; finalPrompt: string | null; description: string }
  | { kind: 'existed'; taskId: string; status: string | null; imageUrl: string | null; description: string }
  | { kind: 'uploaded'; urls: string[]; description: string }
  | {
      kind: 'rejected';
      code: number;
      reason: RejectReason;
      retryable: boolean;
      message: string;
      /** From a Retry-After header, when the rejection came with one. */
      retryAfterMs?: number;
    };

export type RejectReason =
  | 'queue-full'
  | 'banned-prompt'
  | 'validation'
  | 'not-found'
  | 'no-instance'
  | 'parent-unavailable'
  | 'rate-limited'
  | 'auth'
  /** A gateway could not read its upstream's answer (code 5 `unmarshal_response_body_failed`): usually a wrong upstream key. */
  | 'upstream-auth'
  | 'unsupported'
  | 'system';

/**
 * `gateway-timeout`: a new-api gateway gave up on the task an hour after its submit ("上游任务超时（超过1小时）") and
 * refunded it; the upstream job may still run. Distinct from `timeout`, MidJourney's or the proxy's own.
 */
export type FailReasonKind =
  | 'content-policy'
  | 'invalid-parameter'
  | 'invalid-link'
  | 'gateway-timeout'
  | 'timeout'
  | 'cancelled'
  | 'internal'
  | 'unknown';

/** Button intents (§7) are declared with their catalogue (src/mj/intents); re-exported here for `import type`. */
export type { Index4, IntentKind, IntentSpec, Motion, PanDirection, UpscaleHdVariant } from './intents/kinds';
/** An intent plus whether the resulting task always parks in MODAL (Vary Region, Custom Zoom, describe pick). */
export type ButtonIntent = IntentSpec & { alwaysModal: boolean };

/** Optional endpoints whose availability depends on the flavour (see `MjClient.supports`). */
export type MjFeature =
  | 'action'
  | 'change'
  | 'modal'
  | 'list'
  | 'cancel'
  | 'video'
  | 'edits'
  | 'shorten'
  | 'upload'
  | 'retexture'
  /** `GET /task/{id}/image-seed`: the seed of a task's image (plus, trueai, and gateways that forward it). */
  | 'image-seed'
  /** Speed mode chosen by the `/mj-fast`, `/mj-turbo`, `/mj-relax` path prefix (§1, §12). */
  | 'mode-prefix';
