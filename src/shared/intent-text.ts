/**
 * The short text of an intent ('U2', 'zoom-out 1.5', 'vary-region'), workflow-safe, for the job memo, the Web UI
 * details, progress and (as `formatIntent`, src/mj/buttons.ts) everything else; `parseIntent` reads these forms
 * back (round trip in test/unit/mj/buttons.test.ts).
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
