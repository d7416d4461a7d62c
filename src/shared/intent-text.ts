/**
 * The short text of an intent ('U2', 'zoom-out 1.5', 'pan left'), workflow-safe, for the job memo, the Web UI
 * details and progress: the intent catalogue's text form (src/mj/intents), which `parseIntent` reads back.
 */
export { intentText } from '../mj/intents';
