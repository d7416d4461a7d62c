/**
 * The MODAL-input rule, in one workflow-safe module: which intents always park in MODAL, what a person
 * must supply for them, and whether a given input will do. Used by the job's update validator and pre-supplied
 * input check, the pipeline workflow's step-input validator, the pipeline spec (zod refinement) and the client, so
 * bad input is refused with the same field and rule wherever it enters, before it reaches history.
 */
import { intentAlwaysModal, intentModalNeeds, intentPromptNeedsZoom } from '../mj/intents';
import type { IntentSpec, ModalNeed } from '../mj/intents';
import { MAX_IMAGE_BYTES, MAX_PROMPT_LENGTH } from './defaults';
import type { AssetRef, ModalInput } from './types';

export type { ModalNeed };

/**
 * True when the intent's new task always parks in MODAL (contract §8): the job asks a person first and presses the
 * button only once the input is there, so no upstream MODAL waits on a person. From the intent catalogue.
 */
export function isAlwaysModal(intent: IntentSpec | undefined): boolean {
  return intent !== undefined && intentAlwaysModal(intent);
}

/** Every MODAL submits a prompt (T clears the child's prompt for Vary Region); Vary Region also needs a mask. */
export function modalNeeds(intent?: IntentSpec): ModalNeed[] {
  return intentModalNeeds(intent);
}

export interface ModalInputProblem {
  field: 'modal' | 'prompt' | 'mask';
  /** Stable name of the rule broken: `type`, `required`, `max-length`, `asset-ref`, `png`, `zoom-required`, `zoom-range`. */
  rule: string;
  /** One line, safe to show the caller; starts with the field name. */
  message: string;
}

const SHA256_RE = /^[0-9a-f]{64}$/i;
const ZOOM_RE = /--zoom\s+(\d+(?:\.\d+)?)/i;

function problem(field: ModalInputProblem['field'], rule: string, message: string): ModalInputProblem {
  return { field, rule, message: `${field} ${message}` };
}

function checkMask(mask: unknown): ModalInputProblem | null {
  if (!mask || typeof mask !== 'object') return problem('mask', 'asset-ref', 'must be a stored asset reference');
  const r = mask as Partial<AssetRef>;
  const isRef =
    typeof r.key === 'string' &&
    r.key.length > 0 &&
    typeof r.sha256 === 'string' &&
    SHA256_RE.test(r.sha256) &&
    typeof r.size === 'number' &&
    r.size > 0 &&
    r.size <= MAX_IMAGE_BYTES;
  if (!isRef) return problem('mask', 'asset-ref', 'must be a stored asset reference (key, sha256, size, contentType)');
  if (String(r.contentType).toLowerCase() !== 'image/png') {
    return problem('mask', 'png', `must be a PNG, not ${String(r.contentType)}`);
  }
  return null;
}

function checkPrompt(prompt: unknown, intent: IntentSpec | undefined): ModalInputProblem | null {
  if (typeof prompt !== 'string' || prompt.trim() === '')
    return problem('prompt', 'required', 'must be a non-empty string');
  if (prompt.length > MAX_PROMPT_LENGTH) {
    return problem('prompt', 'max-length', `is longer than ${MAX_PROMPT_LENGTH} characters`);
  }
  if (intentPromptNeedsZoom(intent)) {
    const zoom = ZOOM_RE.exec(prompt);
    if (!zoom) return problem('prompt', 'zoom-required', 'needs "--zoom <1..2>" for Custom Zoom');
    const factor = Number(zoom[1]);
    if (factor < 1 || factor > 2)
      return problem('prompt', 'zoom-range', `has Custom Zoom factor ${factor}, outside 1..2`);
  }
  return null;
}

/**
 * Null when `input` suits `intent`, else the first problem. `needs` are the fields that must be present (default
 * {@link modalNeeds}); fields present beyond them are checked too.
 */
export function checkModalInput(
  input: unknown,
  intent?: IntentSpec,
  needs: readonly ModalNeed[] = modalNeeds(intent)
): ModalInputProblem | null {
  if (!input || typeof input !== 'object' || Array.isArray(input)) {
    return problem('modal', 'type', 'input must be an object { prompt, mask }');
  }
  const m = input as Record<string, unknown>;
  for (const need of needs) {
    if (m[need] === undefined) {
      const what = need === 'mask' ? 'is required for Vary (Region)' : 'is required';
      return problem(need, 'required', what);
    }
  }
  if (m.prompt !== undefined) {
    const p = checkPrompt(m.prompt, intent);
    if (p) return p;
  }
  if (m.mask !== undefined) return checkMask(m.mask);
  return null;
}

/** A checked input reduced to the fields the upstream takes (prompt trimmed), so nothing else enters history. */
export function normaliseModalInput(input: ModalInput): ModalInput {
  const out: ModalInput = {};
  if (input.prompt !== undefined) out.prompt = input.prompt.trim();
  if (input.mask !== undefined) {
    const { key, sha256, size } = input.mask;
    out.mask = { key, sha256, size, contentType: 'image/png' };
  }
  return out;
}
