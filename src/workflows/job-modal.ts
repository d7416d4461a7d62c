/**
 * What MODAL input a job needs and whether a given input will do. Pure and workflow-safe; the update validator
 * uses it so bad input is rejected before it reaches history.
 */
import type { IntentSpec } from '../mj/types';
import { MAX_IMAGE_BYTES, MAX_PROMPT_LENGTH } from '../shared/defaults';
import type { AssetRef, ModalInput } from '../shared/types';

export type ModalNeed = 'prompt' | 'mask';

/** Every MODAL submits a prompt (T clears the child's prompt for Vary Region); Vary Region also needs a mask. */
export function modalNeeds(intent?: IntentSpec): ModalNeed[] {
  return intent?.kind === 'vary-region' ? ['prompt', 'mask'] : ['prompt'];
}

const SHA256_RE = /^[0-9a-f]{64}$/i;
const ZOOM_RE = /--zoom\s+(\d+(?:\.\d+)?)/i;

function isPngAssetRef(ref: unknown): ref is AssetRef {
  if (!ref || typeof ref !== 'object') return false;
  const r = ref as Partial<AssetRef>;
  return (
    typeof r.key === 'string' &&
    r.key.length > 0 &&
    typeof r.sha256 === 'string' &&
    SHA256_RE.test(r.sha256) &&
    typeof r.size === 'number' &&
    r.size > 0 &&
    r.size <= MAX_IMAGE_BYTES &&
    r.contentType === 'image/png'
  );
}

/** Null when the input suits the intent, else why not (one line, safe to show the caller). */
export function checkModalInput(input: ModalInput | undefined, intent?: IntentSpec): string | null {
  if (!input || typeof input !== 'object') return 'modal input must be an object';
  const prompt = input.prompt;
  if (typeof prompt !== 'string' || prompt.trim() === '') return 'prompt must be a non-empty string';
  if (prompt.length > MAX_PROMPT_LENGTH) return `prompt is longer than ${MAX_PROMPT_LENGTH} characters`;
  if (input.mask !== undefined && !isPngAssetRef(input.mask)) {
    return 'mask must be a stored image/png asset reference (key, sha256, size, contentType)';
  }
  if (intent?.kind === 'vary-region' && input.mask === undefined) return 'Vary (Region) needs a mask';
  if (intent?.kind === 'custom-zoom') {
    const zoom = ZOOM_RE.exec(prompt);
    if (!zoom) return 'Custom Zoom needs "--zoom <1..2>" in the prompt';
    const factor = Number(zoom[1]);
    if (factor < 1 || factor > 2) return `Custom Zoom factor ${factor} is outside 1..2`;
  }
  return null;
}
