/**
 * The short text of an intent ('U2', 'zoom-out 1.5', 'pan left'), workflow-safe, for the job memo, the Web UI
 * details and progress: the intent catalogue's text form (src/mj/intents), which `parseIntent` reads back.
 */
import { intentPress, intentText } from '../mj/intents';
import type { IntentSpec } from '../mj/intents';

export { intentText };

/**
 * The short texts of the buttons that perform an intent: its own and, for Animate or Pan with a prompt, the plain
 * button it presses under Remix ('animate-prompt high', 'animate high').
 */
export function buttonTextsOf(spec: IntentSpec): string[] {
  return [...new Set([intentText(spec), intentText(intentPress(spec).spec)])];
}
