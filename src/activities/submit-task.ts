/**
 * `submitTask`: one upstream submit for a job step, carrying the step's `state` key and the notify hook. The workflow
 * calls it with a single attempt and decides itself what a failure means (contract §4, §14).
 */
import type { AssetStore } from '../assets/asset-store';
import {
  findPress,
  formatIntent,
  MjParentUnavailableError,
  MjUnsupportedError,
  type MjClient,
  type MjRequestOptions,
} from '../mj';
import type { SubmitSuccess } from '../mj/client';
import { INTENTS, type ChangeAction } from '../mj/intents';
import type { IntentSpec, MjTask } from '../mj/types';
import type { JobRequest } from '../shared/types';
import { invalidInput, type ActivityLogger } from './failures';
import { requireDataUrl, resolveImageRef } from './image-refs';
import type { SubmitTaskInput, SubmitTaskResult } from '../shared/job-activities';

export type { SubmitTaskInput, SubmitTaskResult } from '../shared/job-activities';

export interface SubmitDeps {
  mj: MjClient;
  store: AssetStore;
  notifyHookUrl?: string;
  log: Pick<ActivityLogger, 'info'>;
}

type Hooked = { state: string; notifyHook?: string };

/** The `/submit/change` body for an intent novicezk can express (the catalogue's `change`), or null. */
function changeFor(intent: IntentSpec): { action: ChangeAction; index?: number } | null {
  const action = INTENTS[intent.kind].change;
  if (!action) return null;
  return 'index' in intent ? { action, index: intent.index } : { action };
}

async function submitAction(
  deps: SubmitDeps,
  req: Extract<JobRequest, { kind: 'action' }>,
  base: Hooked,
  o: MjRequestOptions
): Promise<SubmitSuccess> {
  const { mj } = deps;
  const parent: MjTask = await mj.fetchTask(req.parentTaskId, o);
  if (parent.status !== 'SUCCESS') {
    // §14.7: a parent that just finished can still look unfinished; the workflow retries this a few times.
    throw new MjParentUnavailableError(`parent task ${parent.id} is ${parent.status}, not SUCCESS`);
  }
  const change = changeFor(req.intent);
  // N has no buttons and no /action; a gateway in front of N has /action but still no buttons.
  const useChange = change !== null && mj.supports('change') && (!mj.supports('action') || parent.buttons.length === 0);
  if (useChange && change) {
    return mj.submitChange({ ...base, taskId: parent.id, action: change.action, index: change.index }, o);
  }
  if (!mj.supports('action')) {
    throw new MjUnsupportedError(
      `${formatIntent(req.intent)} needs /submit/action, which the ${mj.flavour} flavour lacks (only U, V and reroll work there)`
    );
  }
  // Animate and Pan with a prompt press the plain button under Remix where the parent has no button of their own.
  const { button, remix } = findPress(parent, req.intent);
  const enableRemix = remix ? true : req.enableRemix;
  return mj.submitAction({ ...base, taskId: parent.id, customId: button.customId, enableRemix }, o);
}

async function send(deps: SubmitDeps, request: JobRequest, base: Hooked, o: MjRequestOptions): Promise<SubmitSuccess> {
  const { mj, store } = deps;
  switch (request.kind) {
    case 'imagine': {
      const refs = request.referenceImages ?? [];
      // MJ reads reference images as URLs at the start of the prompt; stored ones go up as base64 and the proxy
      // prepends their uploaded URLs the same way.
      const urls = refs.flatMap((r) => ('url' in r ? [r.url] : []));
      const base64Array = await Promise.all(refs.filter((r) => 'asset' in r).map((r) => resolveImageRef(store, r)));
      const prompt = urls.length > 0 ? `${urls.join(' ')} ${request.prompt}` : request.prompt;
      return mj.submitImagine(
        { ...base, prompt, botType: request.botType, ...(base64Array.length > 0 ? { base64Array } : {}) },
        o
      );
    }
    case 'action':
      return submitAction(deps, request, base, o);
    case 'blend': {
      const base64Array = await Promise.all(request.images.map((r) => requireDataUrl(store, r, 'blend')));
      return mj.submitBlend({ ...base, base64Array, dimensions: request.dimensions, botType: request.botType }, o);
    }
    case 'describe': {
      const image = request.image;
      return mj.submitDescribe(
        'asset' in image
          ? { ...base, base64: await resolveImageRef(store, image), botType: request.botType }
          : { ...base, link: image.url, botType: request.botType },
        o
      );
    }
    case 'shorten':
      return mj.submitShorten({ ...base, prompt: request.prompt, botType: request.botType }, o);
    case 'edits':
      return mj.submitEdits({ ...base, prompt: request.prompt, image: await resolveImageRef(store, request.image) }, o);
    case 'video':
      return mj.submitVideo(
        {
          ...base,
          prompt: request.prompt,
          image: request.image ? await resolveImageRef(store, request.image) : undefined,
          endImage: request.endImage ? await resolveImageRef(store, request.endImage) : undefined,
          motion: request.motion,
          loop: request.loop,
          batchSize: request.batchSize,
        },
        o
      );
  }
}

/** Sends one submit and reports the task it created. Rejections are thrown (as typed `MjError`s). */
export async function submitOnce(
  deps: SubmitDeps,
  input: SubmitTaskInput,
  o: MjRequestOptions
): Promise<SubmitTaskResult> {
  const base: Hooked = { state: input.stateKey, ...(deps.notifyHookUrl ? { notifyHook: deps.notifyHookUrl } : {}) };
  const outcome = await send(deps, input.request, base, o);
  if (outcome.kind === 'uploaded') throw invalidInput('the proxy answered a submit with an upload result');
  const result: SubmitTaskResult = { kind: outcome.kind, taskId: outcome.taskId };
  if (outcome.kind === 'queued') result.ahead = outcome.ahead;
  if (deps.mj.refreshIntervalMs > 0) result.refreshMs = deps.mj.refreshIntervalMs;
  deps.log.info('submitted', {
    kind: input.request.kind,
    outcome: outcome.kind,
    taskId: outcome.taskId,
    state: input.stateKey,
  });
  return result;
}
