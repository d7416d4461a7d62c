/**
 * Everything that differs between flavours apart from the task JSON (that is `render.ts`): routes, action names,
 * messages and failure texts. The gateway is modelled in front of a plus-like upstream, so upstream answers it
 * passes through carry novicezk/plus wording.
 */
import type { Op } from './buttons';
import type { MjFlavour } from '../mj/terms/flavours';
import type { FailCause } from './task';

/** Route keys: the path after `/mj/` with ids replaced by the endpoint's name. */
export type EndpointKey =
  | 'submit/imagine'
  | 'submit/change'
  | 'submit/simple-change'
  | 'submit/action'
  | 'submit/modal'
  | 'submit/describe'
  | 'submit/blend'
  | 'submit/shorten'
  | 'submit/edits'
  | 'submit/edit'
  | 'submit/retexture'
  | 'submit/video'
  | 'submit/upload-discord-images'
  | 'task/fetch'
  | 'task/list-by-condition'
  | 'task/list-by-ids'
  | 'task/list'
  | 'task/queue'
  | 'task/cancel'
  | 'task/image-seed'
  | 'image';

const SUPPORT: Record<MjFlavour, readonly EndpointKey[]> = {
  novicezk: [
    'submit/imagine',
    'submit/change',
    'submit/simple-change',
    'submit/describe',
    'submit/blend',
    'task/fetch',
    'task/list-by-condition',
    'task/list',
    'task/queue',
  ],
  plus: [
    'submit/imagine',
    'submit/change',
    'submit/simple-change',
    'submit/action',
    'submit/modal',
    'submit/describe',
    'submit/blend',
    'submit/shorten',
    'task/fetch',
    'task/list-by-condition',
    'task/list',
    'task/image-seed',
  ],
  // T v10+ removed /change and /simple-change (contract §2.2).
  trueai: [
    'submit/imagine',
    'submit/action',
    'submit/modal',
    'submit/describe',
    'submit/blend',
    'submit/shorten',
    'submit/edits',
    'submit/edit',
    'submit/retexture',
    'submit/video',
    'submit/upload-discord-images',
    'task/fetch',
    'task/list-by-condition',
    'task/list-by-ids',
    'task/list',
    'task/cancel',
    'task/image-seed',
  ],
  gateway: [
    'submit/imagine',
    'submit/change',
    'submit/simple-change',
    'submit/action',
    'submit/modal',
    'submit/describe',
    'submit/blend',
    'submit/shorten',
    'submit/edits',
    'submit/video',
    'submit/upload-discord-images',
    'task/fetch',
    'task/list-by-condition',
    'task/image-seed',
    'image',
  ],
};

const GET_ENDPOINTS: ReadonlySet<EndpointKey> = new Set([
  'task/fetch',
  'task/list',
  'task/queue',
  'task/image-seed',
  'image',
]);

/** Whether the flavour serves this endpoint (others answer 404). */
export function supports(flavour: MjFlavour, key: EndpointKey): boolean {
  return SUPPORT[flavour].includes(key);
}

/** The HTTP method of an endpoint. */
export function methodOf(key: EndpointKey): 'GET' | 'POST' {
  return GET_ENDPOINTS.has(key) ? 'GET' : 'POST';
}

/** novicezk's context path is only `/mj`; the others also route `/mj-fast/mj`, `/mj-turbo/mj`, `/mj-relax/mj`. */
export function acceptsSpeedPrefix(flavour: MjFlavour): boolean {
  return flavour !== 'novicezk';
}

/** The `action` string each flavour stores for an operation (contract §6). */
export function actionName(flavour: MjFlavour, op: Op, parentAction?: string): string {
  if (flavour === 'gateway') {
    const g: Partial<Record<Op, string>> = {
      'upscale-hd': 'UPSCALE',
      'vary-subtle': 'LOW_VARIATION',
      'vary-strong': 'HIGH_VARIATION',
      'vary-region': 'INPAINT',
      'custom-zoom': 'CUSTOM_ZOOM',
      reroll: 'REROLL',
      edit: 'EDITS',
      'video-upscale': 'UPSCALE',
    };
    if (g[op]) return g[op];
  }
  if (flavour === 'trueai' && op === 'reroll') {
    // T: a reroll repeats the parent's action; rerolling an upscale makes a fresh IMAGINE.
    return !parentAction || parentAction.startsWith('UPSCALE') ? 'IMAGINE' : parentAction;
  }
  const common: Record<Op, string> = {
    imagine: 'IMAGINE',
    upscale: 'UPSCALE',
    variation: 'VARIATION',
    reroll: 'REROLL',
    'upscale-hd': flavour === 'trueai' ? 'UPSCALE_HD' : 'UPSCALE',
    'vary-subtle': 'VARIATION',
    'vary-strong': 'VARIATION',
    'vary-region': 'VARIATION',
    zoom: 'ZOOM',
    'custom-zoom': 'ZOOM',
    pan: 'PAN',
    animate: 'VIDEO',
    video: 'VIDEO',
    'video-upscale': 'UPSCALE',
    'video-extend': 'VIDEO',
    describe: 'DESCRIBE',
    'describe-pick': 'IMAGINE',
    'describe-retry': 'DESCRIBE',
    shorten: 'SHORTEN',
    'shorten-pick': 'IMAGINE',
    blend: 'BLEND',
    edit: 'EDIT',
    retexture: 'RETEXTURE',
  };
  return common[op];
}

/** Discord embed titles and descriptions MidJourney answers with (contract §13). */
const EMBEDS: Record<
  Exclude<FailCause, 'banned-word' | 'timeout' | 'cancelled' | 'modal-expired'>,
  [string, string]
> = {
  'content-policy': [
    'Banned prompt detected',
    'Sorry! Our AI moderator thinks this prompt is probably against our community standards.',
  ],
  'invalid-parameter': ['Invalid parameter', 'Invalid value for the parameter, please check your prompt.'],
  'invalid-link': ['Invalid link!', 'Could not complete the request because a link in the prompt is not valid.'],
  internal: ['Internal Error', 'Something went wrong, please try again later.'],
};

/** failReason text: T joins embed title and text with a comma, the Java builds use `[title] text`. */
export function failReasonText(flavour: MjFlavour, cause: FailCause): string {
  if (cause === 'cancelled') return '取消任务';
  // No proxy words this; it stands for a MODAL row its task store no longer holds.
  if (cause === 'modal-expired') return 'Modal expired: no /submit/modal arrived in time (窗口确认已过期)';
  if (cause === 'timeout') return flavour === 'trueai' ? '执行超时 5 分钟' : '任务超时';
  if (cause === 'banned-word') {
    if (flavour === 'trueai') return '可能包含敏感词';
    cause = 'content-policy';
  }
  const [title, text] = EMBEDS[cause];
  return flavour === 'trueai' ? `${title}, ${text}` : `[${title}] ${text}`;
}

/** Proxy messages shared by several flavours, verbatim. */
export const MSG = {
  parentMissing: '关联任务不存在或已失效',
  parentState: '关联任务状态错误',
  unknownAction: '未知的 Action 类型',
  noInstance: '无可用的账号实例',
  banned: '可能包含敏感词',
  modal: 'Waiting for window confirm',
  submitted: '提交成功',
  queueFullJava: '队列已满，请稍后尝试',
  queueFullT: '提交失败，队列已满，请稍后重试',
  queued: (ahead: number) => `排队中，前面还有${ahead}个任务`,
} as const;
