/**
 * The simulator's own record of a task. Flavour-neutral: `render.ts` turns it into what each proxy returns.
 */
import type { KnownTaskStatus, MjButton, SpeedMode } from '../mj/types';
import type { SimTimer } from './clock';
import type { Op, ResultKind } from './buttons';
import type { MjVersion, SimFailKind } from './prompt';

/** Why a task fails: the scripted kinds, T's own banned-word check, a timeout, a cancel or an expired MODAL. */
export type FailCause = SimFailKind | 'banned-word' | 'timeout' | 'cancelled' | 'modal-expired';

/** What the task will do once it gets a slot. */
export type TaskPlan =
  | { outcome: 'success' }
  /** `pre-start`: refused before reaching Discord (T's banned-word check); `submitted`: MJ refuses at once; `mid`: breaks while running. */
  | { outcome: 'fail'; cause: FailCause; stage: 'pre-start' | 'submitted' | 'mid' }
  | { outcome: 'timeout' };

/**
 * Which modal a MODAL task waits in: a mask (Vary Region), a zoom factor (Custom Zoom) or a prompt (Remix). Not
 * `ModalNeed` (src/mj/intents), which lists what a person supplies.
 */
export type SimModalKind = 'mask' | 'zoom' | 'prompt';

/** A stored upload (reference image, describe input, blend input). */
export interface UploadRef {
  uploadId: string;
  index: number;
}

/** What a task's timer does when it fires, as data so a saved simulator can re-arm it. */
export interface NextStep {
  kind: 'after-submitted' | 'progress' | 'succeed' | 'fail' | 'expire-modal';
  /** Simulated epoch ms the step is due. */
  at: number;
  /** The job's run time, which later progress steps are spaced by. */
  runMs: number;
  cause?: FailCause;
}

/** One task as the simulator keeps it. */
export interface SimTask {
  id: string;
  /** Creation order, for "newest first" lists. */
  seq: number;
  op: Op;
  /** The flavour's action string (IMAGINE, UPSCALE_HD, INPAINT, …). */
  action: string;
  kind: ResultKind;
  status: KnownTaskStatus;
  prompt: string;
  promptEn: string;
  description: string;
  state: string | null;
  submitTime: number;
  startTime: number | null;
  finishTime: number | null;
  progress: string;
  failReason: string | null;
  finalPrompt: string;
  /** The MJ job UUID (properties.messageHash, T jobId); appears once the job runs. */
  hash: string;
  parentId: string | null;
  /** U index (1–4) for upscales, video index for extends, 0 otherwise. */
  index: number;
  mode: SpeedMode;
  requestMode: SpeedMode | null;
  account: string;
  botType: 'MID_JOURNEY' | 'NIJI_JOURNEY';
  notifyHook: string | null;
  version: MjVersion;
  plan: TaskPlan;
  /** Total simulated time override from `--sim-duration`, ms. */
  durationOverrideMs: number | null;
  buttons: MjButton[];
  /** Hues (0–359) of the images: four for a grid, one for a single image. */
  palette: number[];
  /** The latest progress preview: percent and simulated time it appeared. */
  preview: { pct: number; at: number } | null;
  /** Simulated time the final image URL was (re)issued; drives `ex`. */
  imageIssuedAt: number | null;
  /** Describe input or edit source, when uploaded as base64. */
  inputUpload: UploadRef | null;
  /** Describe input given as a link (T). */
  inputLink: string | null;
  /** Video clips in the batch. */
  batch: number;
  modal: SimModalKind | null;
  /** Describe or shorten result lines. */
  resultLines: string[];
  /** Discord interaction nonce and the bot message id, as the proxies leak them in properties. */
  nonce: string;
  messageId: string;
  /** Extra properties shown as-is (e.g. `remix` on a MODAL child). */
  extraProps: Record<string, unknown>;
  timer: SimTimer | null;
  /** The step {@link timer} runs; null when no timer is armed. */
  next: NextStep | null;
  /** Next IN_PROGRESS step index, see `PROGRESS_STEPS`. */
  step: number;
}

/** The ~15-point jumps a real progress bar shows (contract §9). */
export const PROGRESS_STEPS = [0, 15, 31, 46, 62, 78, 93] as const;

/** SUCCESS, FAILURE and CANCEL end a task. */
export function isTerminal(status: string): boolean {
  return status === 'SUCCESS' || status === 'FAILURE' || status === 'CANCEL';
}
