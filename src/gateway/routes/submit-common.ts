/**
 * Shared steps of every submit: speed mode, idempotency, notifyHook guard, banned words, admission, budget, the
 * metered write of the request's images (storage-quota.ts), start, answer.
 */
import type { ParamWarning } from '../../mj/params';
import type { SpeedMode } from '../../mj/types';
import { currentPress } from '../../job-start/paid-once';
import type { JobLineage } from '../../shared/job-read-model';
import type { ImageRef, JobRequest, ModalInput } from '../../shared/types';
import { admitSubmit, type Answer, type GatewayApp, type RequestCtx } from '../app';
import { badInput, GatewayError } from '../errors';
import { notifyHook, state as stateField, type Body } from './fields';
import { parsePrompt } from '../../mj/params';
import { SPEED_MODE_LIST, SPEED_MODES, speedModeOf } from '../../mj/terms/speed-modes';
import { checkHook } from '../guards/hook-guard';
import type { Prepared } from './image-inputs';
import { findIdempotent, pressIds, requestFingerprint, startGatewayJob, taskIdOf, type PressKey } from './job-starter';
import { storeMetered } from '../guards/storage-quota';

/** Path prefix, else `accountFilter.modes[0]`, else a `--fast/--relax/--turbo` flag in the prompt, else default. */
export function resolveMode(ctx: RequestCtx, fallback: SpeedMode, prompt = ''): SpeedMode {
  if (ctx.modeFromPath) return ctx.modeFromPath;
  const af = ctx.body.accountFilter;
  if (af !== undefined && af !== null) {
    if (typeof af !== 'object' || Array.isArray(af)) throw badInput('accountFilter', 'must be an object');
    const modes = (af as Body).modes;
    if (modes !== undefined && modes !== null) {
      if (!Array.isArray(modes) || !modes.every((m) => speedModeOf(String(m)) !== undefined))
        throw badInput('accountFilter.modes', `must be an array of ${SPEED_MODE_LIST}`);
      if (modes.length > 0) return speedModeOf(String(modes[0]))!;
    }
  }
  const { params } = parsePrompt(prompt);
  return SPEED_MODES.find((m) => params[m.toLowerCase() as Lowercase<SpeedMode>] !== undefined) ?? fallback;
}

export function submitAnswer(taskId: string, modal?: { finalPrompt: string }): Answer {
  return modal
    ? {
        body: {
          code: 21,
          description: 'Waiting for window confirm',
          result: taskId,
          properties: { finalPrompt: modal.finalPrompt, remix: true },
        },
      }
    : { body: { code: 1, description: 'Submit success', result: taskId, properties: {} } };
}

/** The response header that carries a prompt's parameter warnings (docs/prompt-parameters.md). */
export const PROMPT_WARNINGS_HEADER = 'x-mj-prompt-warnings';

/**
 * The answer with the prompt's parameter warnings in {@link PROMPT_WARNINGS_HEADER} (`; `-separated, printable ASCII,
 * at most 1000 characters) and logged; the answer itself is unchanged, a warning never refuses.
 */
export function withPromptWarnings(app: GatewayApp, answer: Answer, warnings: readonly ParamWarning[]): Answer {
  if (warnings.length === 0) return answer;
  const text = warnings
    .map((w) => w.message)
    .join('; ')
    .replace(/[^\x20-\x7e]/g, '?')
    .slice(0, 1000);
  app.log.info({ warnings: warnings.map((w) => w.param) }, 'prompt parameter warnings');
  return { ...answer, headers: { ...answer.headers, [PROMPT_WARNINGS_HEADER]: text } };
}

export interface SubmitPlan {
  endpoint: string;
  /** The job's request; with {@link images}, built from their references once they are stored. */
  request: JobRequest | ((stored: ImageRef[]) => JobRequest);
  /** Checked images not stored yet: written after admission, the budget check and the storage quota. */
  images?: readonly Prepared[];
  mode: SpeedMode;
  prompt: string;
  modal?: ModalInput;
  parentId?: string;
  /** Answer code 21 (the task waits for /submit/modal). */
  needsModal?: { finalPrompt: string };
  /** A button press: its parent job and chain. */
  lineage?: JobLineage;
  /** A press that is paid once (see `src/job-start/paid-once.ts`). */
  press?: PressKey;
}

/** Banned words of the deployment (`MJ_GATEWAY_BANNED_WORDS`), answered with code 24 before anything starts. */
export function checkBanned(app: GatewayApp, prompt: string): void {
  const words = app.options.bannedWords;
  const hit = words.find((w) => w && prompt.toLowerCase().includes(w.toLowerCase()));
  if (hit)
    throw new GatewayError(200, 24, `prompt contains a banned word: ${hit}`, { field: 'prompt', rule: 'banned-word' });
}

/**
 * The idempotency key (the `Idempotency-Key` header only; `state` is echoed, never a key) and the hook are read first;
 * a repeat of a submit that already started answers its id with code 1 before limits are counted, and the same key
 * with another request (endpoint or body) is refused with 409.
 */
export async function submit(app: GatewayApp, ctx: RequestCtx, plan: SubmitPlan): Promise<Answer> {
  const st = stateField(ctx.body);
  const hook = notifyHook(ctx.body);
  const idempotency = ctx.idempotencyKey
    ? { key: ctx.idempotencyKey, fingerprint: requestFingerprint(plan.endpoint, ctx.modeFromPath, ctx.body) }
    : undefined;
  const existing = await findIdempotent(app.client, ctx.tenant, idempotency);
  if (existing) return submitAnswer(existing, plan.needsModal);
  // A paid-once press pressed before (running or succeeded) is answered before limits are counted, as a repeat is.
  const pressed = plan.press && (await currentPress(app.client, pressIds(ctx.tenant, plan.press)));
  if (pressed && pressed.live) return submitAnswer(taskIdOf(pressed.workflowId), plan.needsModal);
  if (hook) {
    const bad = await checkHook(hook, {
      allowPrivate: app.options.allowPrivateHooks,
      allowList: (await app.tenants.options(ctx.tenant)).hookAllowList,
    });
    if (bad) throw badInput('notifyHook', `${bad.message} (${bad.rule})`);
  }
  await admitSubmit(app, ctx.tenant);
  await app.budgets?.check(ctx.tenant);
  const request =
    typeof plan.request === 'function'
      ? plan.request(await storeMetered(app, ctx.tenant, plan.images ?? []))
      : plan.request;
  const { taskId } = await startGatewayJob(
    {
      client: app.client,
      jobTaskQueue: app.mj.taskQueue,
      gatewayTaskQueue: app.options.taskQueue,
      callbackRetry: app.options.callbackRetry,
    },
    {
      tenant: ctx.tenant,
      endpoint: plan.endpoint,
      request,
      mode: plan.mode,
      prompt: plan.prompt,
      modal: plan.modal,
      parentId: plan.parentId,
      state: st,
      notifyHook: hook,
      idempotency,
      baseUrl: ctx.baseUrl,
      waitsForInput: plan.needsModal !== undefined,
      ...(plan.lineage ? { lineage: plan.lineage } : {}),
      ...(plan.press ? { press: plan.press } : {}),
    }
  );
  return submitAnswer(taskId, plan.needsModal);
}
