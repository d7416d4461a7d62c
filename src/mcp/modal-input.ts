/**
 * Asking the client for what a waiting job needs (Vary (Region): a prompt and a mask; Custom Zoom: a prompt) through
 * elicitation, and answering the job with it. Elicitation forms carry strings only, so the mask comes as a PNG data
 * URL (white = repaint, black = keep, at the image's size), checked by the same rule as the proxy API's `maskBase64`.
 */
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import {
  ElicitResultSchema,
  RELATED_TASK_META_KEY,
  type ElicitRequestFormParams,
  type ServerNotification,
  type ServerRequest,
} from '@modelcontextprotocol/sdk/types.js';
import { dataUrlToBytes } from '../assets/data-url';
import type { ConsoleJob, InputNeed, ModalAnswer, TenantId } from '../console/backend';
import type { TemporalConsoleBackend } from '../console/temporal-backend';
import { pngDataUrlProblem } from '../mj/data-url';
import { MjInputError } from '../mj/errors';

const FIELDS: Record<InputNeed, { title: string; description: string }> = {
  prompt: { title: 'Prompt', description: 'What to paint into the selected region (or the zoomed-out frame).' },
  mask: {
    title: 'Mask',
    description: 'A PNG data URL (data:image/png;base64,…) at the image size: white = repaint, black = keep.',
  },
};

/** The elicitation form for what `job` waits for. */
export function inputForm(job: ConsoleJob): ElicitRequestFormParams {
  const needs = job.waitingFor?.needs ?? [];
  const properties: Record<string, { type: 'string'; title: string; description: string; default?: string }> = {};
  for (const need of needs) {
    properties[need] = {
      type: 'string',
      ...FIELDS[need],
      ...(need === 'prompt' && job.prompt ? { default: job.prompt } : {}),
    };
  }
  return {
    mode: 'form',
    message: `Job ${job.id} (${job.intent ?? 'a button'}) needs ${needs.join(' and ')} to go on.`,
    requestedSchema: { type: 'object', properties, required: [...needs] },
  };
}

/** A prompt and a mask as the tools and forms pass them, turned into what the job takes; bad ones name the field. */
export function modalAnswer(prompt: unknown, mask: unknown): ModalAnswer {
  const answer: ModalAnswer = {};
  if (prompt !== undefined) {
    if (typeof prompt !== 'string' || prompt.trim() === '')
      throw new MjInputError('prompt', 'must be a non-empty text');
    answer.prompt = prompt;
  }
  if (mask !== undefined) {
    const problem = pngDataUrlProblem(mask);
    if (problem) throw new MjInputError('mask', problem);
    answer.mask = dataUrlToBytes(mask as string);
  }
  return answer;
}

/**
 * Asks for the job's input and answers the job. True when the job was answered; false when the person declined or
 * cancelled (the job keeps waiting, and the task stays `input_required`).
 */
export async function elicitModalInput(
  backend: TemporalConsoleBackend,
  tenant: TenantId,
  job: ConsoleJob,
  extra: RequestHandlerExtra<ServerRequest, ServerNotification>,
  asTask: boolean
): Promise<boolean> {
  // Within tasks/result the request names its task in `_meta` and goes out on that request's stream at once (the
  // SDK's `relatedTask` option would queue it for a message queue this server does not keep: tasks live in Temporal).
  const params = inputForm(job);
  const reply = await extra.sendRequest(
    {
      method: 'elicitation/create',
      params: asTask ? { ...params, _meta: { [RELATED_TASK_META_KEY]: { taskId: job.id } } } : params,
    },
    ElicitResultSchema
  );
  if (reply.action !== 'accept') return false;
  const content = reply.content ?? {};
  await backend.answer(tenant, { targetId: job.id }, modalAnswer(content.prompt, content.mask));
  return true;
}
