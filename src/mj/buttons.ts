/**
 * Button intents (§7). Callers and pipelines name a follow-up as an intent ("U2", "zoom-out 1.5", "vary-region");
 * this module reads intents out of the customIds the proxy reports and finds the button to press. CustomIds are
 * always copied from `buttons[]`, never built here. What each intent is lives in the catalogue (`./intents`).
 */
import { MjButtonNotFoundError, MjInputError } from './errors';
import {
  INTENT_FORMS as CATALOGUE_FORMS,
  compareIntents,
  intentAlwaysModal as alwaysModal,
  intentOfCustomId,
  intentOfText,
  intentPress,
  intentText,
  stageNameOf,
} from './intents';
import type { ButtonIntent, IntentSpec, MjButton, MjTask } from './types';

/** What a button does, read from its customId (§7); `unknown` keeps the raw id. */
export function classifyButton(button: MjButton | string): ButtonIntent {
  const customId = typeof button === 'string' ? button : button.customId;
  const found = intentOfCustomId(customId.trim());
  const spec: IntentSpec = found.kind === 'unknown' ? { kind: 'unknown', customId } : found;
  return { ...spec, alwaysModal: alwaysModal(spec) };
}

/** True when the task created by this intent always parks in MODAL and needs `/submit/modal` (§7, §8). */
export function intentAlwaysModal(spec: IntentSpec): boolean {
  return alwaysModal(spec);
}

/**
 * The canonical short form: "U2", "V1", "reroll", "zoom-out 1.5", "pan left", "vary-region", … The catalogue's
 * text form, one implementation for the Node side and the workflows; `parseIntent` reads it back.
 */
export const formatIntent: (spec: IntentSpec) => string = intentText;

/** Structural equality of two intents (ignores `alwaysModal`). */
export function intentEquals(a: IntentSpec, b: IntentSpec): boolean {
  return formatIntent(a) === formatIntent(b);
}

/** The human forms {@link parseIntent} accepts, for error messages and help texts. */
export const INTENT_FORMS: readonly string[] = CATALOGUE_FORMS;

/**
 * Parses a human intent ("U2", "upscale 2", "zoom out 2x", "pan left", "vary region", "describe-pick 2", …).
 * Throws {@link MjInputError} (field `intent`) listing the accepted forms.
 */
export function parseIntent(text: string): IntentSpec {
  const normalised = typeof text === 'string' ? text.trim().replace(/\s+/g, ' ') : '';
  const spec = intentOfText(normalised);
  if (spec) return spec;
  const shown = typeof text === 'string' ? JSON.stringify(oneLineShort(text)) : typeof text;
  throw new MjInputError('intent', `must be one of ${INTENT_FORMS.join(', ')} (got ${shown})`);
}

function oneLineShort(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 40 ? `${flat.slice(0, 39)}…` : flat;
}

/** The canonical forms of the intents a task (or a button list) offers, deduplicated, in catalogue order. */
export function availableIntents(taskOrButtons: MjTask | readonly MjButton[]): string[] {
  const buttons = Array.isArray(taskOrButtons) ? taskOrButtons : (taskOrButtons as MjTask).buttons;
  const specs = buttons.map((b) => classifyButton(b)).filter((s) => s.kind !== 'unknown');
  specs.sort(compareIntents);
  return [...new Set(specs.map(formatIntent))];
}

function describeStage(buttons: readonly MjButton[], task?: MjTask): string {
  let stage: string;
  if (buttons.length === 0) {
    stage = task && task.status !== 'SUCCESS' ? `no buttons yet, status ${task.status || 'unknown'}` : 'no buttons';
  } else stage = stageNameOf(new Set(buttons.map((b) => classifyButton(b).kind))) ?? 'other buttons';
  return task?.action ? `${task.action} ${stage}` : stage;
}

/**
 * The button that performs `intent`. Throws {@link MjButtonNotFoundError} (non-retryable) whose message lists what the
 * task does offer, e.g. "vary-region is not available on this task (IMAGINE grid); available: U1, …, reroll".
 * Throws {@link MjInputError} when `intent` is a string that does not parse.
 */
export function findButton(taskOrButtons: MjTask | readonly MjButton[], intent: IntentSpec | string): MjButton {
  return findPress(taskOrButtons, intent).button;
}

/**
 * {@link findButton}, and whether the button must be pressed under Remix (`enableRemix: true`): a Remix variant
 * (Animate or Pan with a prompt) presses its own button where the task has one, else the plain button under Remix.
 */
export function findPress(
  taskOrButtons: MjTask | readonly MjButton[],
  intent: IntentSpec | string
): { button: MjButton; remix: boolean } {
  const spec = typeof intent === 'string' ? parseIntent(intent) : intent;
  const task = Array.isArray(taskOrButtons) ? undefined : (taskOrButtons as MjTask);
  const buttons: readonly MjButton[] = task ? task.buttons : (taskOrButtons as readonly MjButton[]);
  const own = buttons.find((b) => intentEquals(classifyButton(b), spec));
  if (own) return { button: own, remix: false };
  const press = intentPress(spec);
  const pressed = press.remix ? buttons.find((b) => intentEquals(classifyButton(b), press.spec)) : undefined;
  if (pressed) return { button: pressed, remix: true };
  throw new MjButtonNotFoundError(formatIntent(spec), availableIntents(buttons), describeStage(buttons, task));
}
