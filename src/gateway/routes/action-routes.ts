/**
 * Follow-ups: `action` (a real button of the parent, by customId), `change`/`simple-change` (U/V/reroll by index),
 * and `modal` (the input a MODAL task waits for). Parents and modal tasks are OUR ids; an unknown one, or another
 * tenant's, is code 4 "task not found" and nothing starts. A click maps to the parent job and an intent;
 * intents that always need input (Vary Region, Custom Zoom, Animate or Pan with `enableRemix`) answer code 21 and the
 * task waits, held by us, until `/submit/modal` arrives with the same task id.
 */
import { createHash } from 'node:crypto';
import {
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  WorkflowUpdateStage,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { AssetNotFoundError, readImageHeader } from '../../assets';
import { classifyButton, formatIntent, intentAlwaysModal } from '../../mj/buttons';
import { intentRemixVariant } from '../../mj/intents';
import { parsePrompt } from '../../mj/params';
import { assertPromptParams } from '../../mj/prompt-rule';
import type { IntentSpec } from '../../mj/types';
import { followUpRequest, memoOwner } from '../../job-start/follow-up';
import { isPaidOncePress, pressLineage } from '../../job-start/paid-once';
import type { ModalInput } from '../../shared/types';
import { provideModalInputUpdate } from '../../workflows';
import { extractNumberedPrompts } from '../../mj/terms/numbered-prompts';
import { resultText } from '../../shared/job-memo';
import { admitWrite, type Answer, type GatewayApp, type RequestCtx } from '../app';
import { badInput, GatewayError, taskNotFound } from '../errors';
import { optBool, optPrompt, optString, reqString } from './fields';
import type { JobView } from '../tasks/gateway-memo';
import { prepareMask } from './image-inputs';
import { storeMeteredMask } from '../guards/storage-quota';
import { readTask } from '../tasks/read-path';
import { normaliseTaskId, jobWorkflowId } from '../../tenancy/task-id';
import { viewStatus, viewTexts } from '../tasks/task-view';
import { submit, submitAnswer, withPromptWarnings } from './submit-common';

function taskIdField(v: unknown, field = 'taskId'): string {
  if (v === undefined || v === null || v === '') throw badInput(field, 'is required (a 16-digit task id)');
  const id = normaliseTaskId(v);
  if (!id) throw taskNotFound(field);
  return id;
}

async function parentOf(app: GatewayApp, tenant: string, taskId: string): Promise<JobView> {
  const view = await readTask(app.client, tenant, taskId);
  if (!view) throw taskNotFound();
  const { status } = viewStatus(view);
  if (status !== 'SUCCESS' || !view.job?.taskId)
    throw new GatewayError(200, 4, `taskId must name a task that succeeded (it is ${status})`, {
      field: 'taskId',
      rule: 'parent-succeeded',
    });
  return view;
}

/**
 * The prompt an action on `parent` starts from (its task's prompt, the MODAL's prefill): for a describe or shorten
 * pick, the numbered prompt it picks from the parent's result text (the upstream's MODAL carries that line);
 * otherwise the parent task's prompt as its task JSON shows it.
 */
export function actionPrompt(parent: JobView, intent: IntentSpec): string {
  if (intent.kind === 'describe-pick' || intent.kind === 'shorten-pick') {
    const job = parent.job;
    const line = extractNumberedPrompts(resultText(job?.action, job?.reported))[intent.index - 1];
    if (line) return line;
  }
  return viewTexts(parent).prompt;
}

/**
 * `payAgain: true` in the body: a new, paid task even when this button was pressed on this parent before (a name no
 * midjourney-proxy client sends; see docs/paid-once.md).
 */
export const PAY_AGAIN_FIELD = 'payAgain';

async function startAction(
  app: GatewayApp,
  ctx: RequestCtx,
  parent: JobView,
  intent: IntentSpec,
  endpoint: string,
  enableRemix?: boolean
): Promise<Answer> {
  const job = parent.job!;
  const parentTaskId = parent.gateway.taskId;
  const paidOnce = isPaidOncePress(intent, optBool(ctx.body, PAY_AGAIN_FIELD));
  const parentPrompt = actionPrompt(parent, intent);
  const holds = intentAlwaysModal(intent);
  // The parent is our own job's task, known to exist; with several upstreams only its owner has it.
  const request = followUpRequest({ taskId: job.taskId!, upstreamId: memoOwner(job) }, intent, {
    enableRemix,
    parentOrigin: 'job',
  });
  return submit(app, ctx, {
    endpoint,
    request,
    mode: ctx.modeFromPath ?? job.mode,
    prompt: parentPrompt,
    parentId: parentTaskId,
    ...(holds ? { needsModal: { finalPrompt: parentPrompt } } : {}),
    lineage: pressLineage(jobWorkflowId(ctx.tenant, parentTaskId), job.lineage),
    ...(paidOnce ? { press: { parentTaskId, intent: formatIntent(intent) } } : {}),
  });
}

export async function action(app: GatewayApp, ctx: RequestCtx): Promise<Answer> {
  const taskId = taskIdField(ctx.body.taskId);
  const customId = reqString(ctx.body, 'customId', 500);
  const enableRemix = optBool(ctx.body, 'enableRemix');
  const parent = await parentOf(app, ctx.tenant, taskId);
  const buttons = parent.job!.buttons ?? [];
  // novicezk reports no buttons at all; anywhere else a click must be one of the parent's own buttons.
  if (buttons.length > 0 && !buttons.some((b) => b.customId === customId))
    throw badInput('customId', "must be the customId of one of the task's buttons");
  const { alwaysModal: _m, ...clicked } = classifyButton(customId);
  // Under Remix, Animate and Pan take a new prompt: their Remix variant asks for it first and answers 21, as T does.
  const intent = (enableRemix ? intentRemixVariant(clicked as IntentSpec) : null) ?? (clicked as IntentSpec);
  return startAction(app, ctx, parent, intent, 'action', enableRemix);
}

function changeIntent(action: string, index: unknown, field: string): IntentSpec {
  const a = action.trim().toUpperCase();
  if (a === 'REROLL' || a === 'R') return { kind: 'reroll' };
  const i = typeof index === 'string' && /^\d$/.test(index) ? Number(index) : index;
  if (i !== 1 && i !== 2 && i !== 3 && i !== 4) throw badInput(field, 'must be 1, 2, 3 or 4');
  if (a === 'UPSCALE' || a === 'U') return { kind: 'upscale', index: i };
  if (a === 'VARIATION' || a === 'V') return { kind: 'variation', index: i };
  throw badInput('action', 'must be UPSCALE, VARIATION or REROLL');
}

async function change(app: GatewayApp, ctx: RequestCtx, taskId: string, intent: IntentSpec, endpoint: string) {
  const parent = await parentOf(app, ctx.tenant, taskId);
  const buttons = parent.job!.buttons ?? [];
  if (buttons.length > 0 && !buttons.some((b) => formatIntent(classifyButton(b.customId)) === formatIntent(intent)))
    throw badInput(
      endpoint === 'change' ? 'action' : 'content',
      `must be one of the task's buttons (${formatIntent(intent)} is not)`
    );
  return startAction(app, ctx, parent, intent, endpoint);
}

/** `{taskId, action: UPSCALE|VARIATION|REROLL, index}`; REROLL needs no index (mouxan sends none). */
export async function changeRoute(app: GatewayApp, ctx: RequestCtx): Promise<Answer> {
  const taskId = taskIdField(ctx.body.taskId);
  const intent = changeIntent(reqString(ctx.body, 'action', 20), ctx.body.index, 'index');
  return change(app, ctx, taskId, intent, 'change');
}

/** `{content: "<taskId> U1|V2|R"}`. */
export async function simpleChange(app: GatewayApp, ctx: RequestCtx): Promise<Answer> {
  const content = reqString(ctx.body, 'content', 100);
  const m = /^\s*(\S+)\s+([UV])([1-4])\s*$/i.exec(content) ?? /^\s*(\S+)\s+(R)()\s*$/i.exec(content);
  if (!m) throw badInput('content', 'must be "<taskId> U1-U4|V1-V4|R"');
  const taskId = taskIdField(m[1], 'content');
  return change(app, ctx, taskId, changeIntent(m[2]!, m[3] ? Number(m[3]) : undefined, 'content'), 'simple-change');
}

const MODAL_PHASES = new Set(['waiting-input', 'waiting-modal']);

/**
 * The size of the image a modal task's mask covers: the parent task's captured whole image (index 0), as its header
 * states it (the console checks against the same image). Undefined when the parent or its capture is gone; the mask
 * is then held to the pixel cap only.
 */
async function maskedImageSize(
  app: GatewayApp,
  tenant: string,
  view: JobView
): Promise<{ width: number; height: number } | undefined> {
  const parent = view.gateway.parentId ? await readTask(app.client, tenant, view.gateway.parentId) : undefined;
  const asset = parent?.job?.assets?.find((a) => a.index === 0);
  if (!asset) return undefined;
  const bytes = await app.store.get(asset.key).catch((err: unknown) => {
    if (err instanceof AssetNotFoundError) return undefined;
    throw err;
  });
  const head = bytes && readImageHeader(bytes);
  return head ? { width: head.width, height: head.height } : undefined;
}

/**
 * `{taskId, prompt?, maskBase64?}`: the input of a MODAL task (same id in the answer). No prompt = the task's own
 * prompt (chatgpt-web and MjProxy send `{taskId}` alone). Waits until the job accepted the input (its update
 * validator ran), not until the upstream ran it.
 */
export async function modal(app: GatewayApp, ctx: RequestCtx): Promise<Answer> {
  const taskId = taskIdField(ctx.body.taskId);
  const promptIn = optPrompt(ctx.body);
  // A caller's modal prompt runs like an imagine's (src/mj/params); the task's own prompt it falls back to already ran.
  const warnings = promptIn === undefined ? [] : assertPromptParams(promptIn);
  const maskIn = optString(ctx.body, 'maskBase64', 50_000_000);
  const view = await readTask(app.client, ctx.tenant, taskId);
  if (!view) throw taskNotFound();
  const { status, phase } = viewStatus(view);
  if (!MODAL_PHASES.has(phase))
    throw new GatewayError(200, 4, `taskId must name a task in MODAL (it is ${status})`, {
      field: 'taskId',
      rule: 'modal-status',
    });
  const needs = view.job?.waitingFor?.needs ?? [];
  if (needs.includes('mask') && !maskIn) throw badInput('maskBase64', 'is required for Vary (Region) (a PNG data URL)');
  let fallback = viewTexts(view).prompt;
  // Discord prefills Custom Zoom's form with the prompt and `--zoom 2`; a bare `{taskId}` gets the same.
  if (view.gateway.action === 'CUSTOM_ZOOM' && parsePrompt(fallback).params.zoom === undefined)
    fallback = `${fallback} --zoom 2`;
  const input: ModalInput = { prompt: (promptIn ?? fallback).trim() };
  if (!input.prompt) throw badInput('prompt', 'is required (the task has no prompt to fall back to)');
  if (maskIn) {
    const mask = prepareMask(maskIn, { size: await maskedImageSize(app, ctx.tenant, view) });
    await admitWrite(app, ctx.tenant);
    input.mask = await storeMeteredMask(app, ctx.tenant, mask);
  }
  await provideModal(app, jobWorkflowId(ctx.tenant, taskId), input);
  app.views?.invalidate(jobWorkflowId(ctx.tenant, taskId));
  return withPromptWarnings(app, submitAnswer(taskId), warnings);
}

function rejectionOf(err: unknown): { field: string; rule: string; message: string } | undefined {
  if (!(err instanceof WorkflowUpdateFailedError) || !(err.cause instanceof ApplicationFailure)) return undefined;
  const d = (err.cause.details?.[0] ?? {}) as { field?: string; rule?: string };
  return { field: d.field ?? 'taskId', rule: d.rule ?? err.cause.type ?? 'rejected', message: err.cause.message };
}

async function provideModal(app: GatewayApp, workflowId: string, input: ModalInput): Promise<void> {
  const handle = app.client.workflow.getHandle(workflowId);
  const updateId = `gw-modal-${createHash('sha256').update(JSON.stringify(input)).digest('hex').slice(0, 24)}`;
  const deadline = Date.now() + app.options.modalAcceptMs;
  for (;;) {
    try {
      const update = await handle.startUpdate(provideModalInputUpdate, {
        args: [input],
        updateId,
        waitForStage: WorkflowUpdateStage.ACCEPTED,
      });
      // Accepted: the input is durable. Wait a little for the upstream's answer, so a refusal (code 4 upstream)
      // reaches the caller now; a slow upstream does not hold the answer.
      const left = Math.max(0, deadline - Date.now());
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        update.result(),
        new Promise<void>((r2) => {
          timer = setTimeout(r2, Math.min(left, 10_000));
        }),
      ]).finally(() => clearTimeout(timer));
      return;
    } catch (err) {
      const r = rejectionOf(err);
      // A job that presses upstream first (jobs v1) is not waiting yet for a moment after the click: try again.
      const notYet = r && /not waiting/i.test(r.message);
      if (r && !notYet) {
        const field = r.field === 'modal' ? 'prompt' : r.field === 'mask' ? 'maskBase64' : r.field;
        throw badInput(field, r.message.replace(/^(modal\.)?(prompt|mask)\s+/, ''));
      }
      if (!notYet && !(err instanceof WorkflowUpdateRPCTimeoutOrCancelledError)) throw err;
      if (Date.now() > deadline)
        throw new GatewayError(503, 9, 'the job did not accept the input in time; send it again', {
          rule: 'modal-accept-timeout',
          retryAfterSec: 5,
        });
      await new Promise((r2) => setTimeout(r2, 500));
    }
  }
}
