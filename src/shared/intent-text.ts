/**
 * The short text of an intent ('U2', 'zoom-out 1.5', 'vary-region'), workflow-safe, for the job memo, the Web UI
 * details and progress. The same forms `parseIntent` (src/mj/buttons.ts) reads; `formatIntent` there is the
 * Node-side twin, kept in step by test/unit/workflows/job-memo.test.ts.
 */
import type { IntentSpec } from '../mj/types';

export function intentText(spec: IntentSpec): string {
  switch (spec.kind) {
    case 'upscale':
      return `U${spec.index}`;
    case 'variation':
      return `V${spec.index}`;
    case 'upscale-hd':
      return `upscale-hd ${spec.variant}`;
    case 'zoom-out':
      return `zoom-out ${spec.factor}`;
    case 'pan':
      return `pan ${spec.direction}`;
    case 'animate':
    case 'video-extend':
      return `${spec.kind} ${spec.motion}`;
    case 'video-upscale':
    case 'describe-pick':
    case 'shorten-pick':
      return `${spec.kind} ${spec.index}`;
    case 'unknown':
      return `unknown(${spec.customId})`;
    default:
      return spec.kind;
  }
}
