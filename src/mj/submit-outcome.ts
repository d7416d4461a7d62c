/**
 * Reads what a submit call turned into (§3, §4): accepted, queued, parked in MODAL, an N "already exists", an upload,
 * or a rejection with a reason and a retry verdict. Knows all three body shapes: `SubmitResultVO`, T's
 * `{success:false,…}` envelope and G's `{description,type,code}` envelope.
 */
import { MjResponseError } from './errors';
import { gatewayErrorSchema, openAiErrorSchema, submitResultSchema, trueaiEnvelopeSchema } from './schemas';
import type { RejectReason, SubmitOutcome } from './types';

type Rejected = Extract<SubmitOutcome, { kind: 'rejected' }>;

/** A parsed submit answer plus the `properties` the outcome does not carry (e.g. `bannedWord`). */
export interface InterpretedSubmit {
  outcome: SubmitOutcome;
  properties: Record<string, unknown>;
  /** Which body shape was recognised; `none` when only the HTTP status spoke. */
  shape: 'submit-result' | 'trueai-envelope' | 'gateway-envelope' | 'openai-envelope' | 'none';
}

const QUEUE_AHEAD_RE = /前面还有\s*(\d+)\s*个任务/;

function includesAny(text: string, needles: readonly string[]): boolean {
  const lower = text.toLowerCase();
  return needles.some((n) => lower.includes(n.toLowerCase()));
}

function rejected(code: number, reason: RejectReason, retryable: boolean, message: string): Rejected {
  return { kind: 'rejected', code, reason, retryable, message };
}

/** Maps a non-success proxy code (§4) plus its description and HTTP status to a rejection. */
export function classifyRejection(code: number, description: string, httpStatus?: number): Rejected {
  const d = description;
  if (httpStatus === 401 || httpStatus === 403) return rejected(code, 'auth', false, d);
  if (httpStatus === 429 || code === 30) return rejected(code, 'rate-limited', true, d);
  switch (code) {
    case 23:
      return rejected(code, 'queue-full', true, d);
    case 24:
      return rejected(code, 'banned-prompt', false, d);
    case 4:
      // "关联任务状态错误" (parent not SUCCESS yet) has been seen right after SUCCESS (§4, N #252).
      if (includesAny(d, ['关联任务状态错误'])) return rejected(code, 'parent-unavailable', true, d);
      if (includesAny(d, ['task_no_found', 'task_not_found'])) return rejected(code, 'not-found', true, d);
      return rejected(code, 'validation', false, d);
    case 3:
      if (includesAny(d, ['账号不可用'])) return rejected(code, 'validation', false, d);
      if (includesAny(d, ['无可用的账号实例', 'no available', 'no instance', 'no usable'])) {
        return rejected(code, 'no-instance', true, d);
      }
      if (includesAny(d, ['关联任务不存在', '已失效', 'parent']) || httpStatus === 404) {
        return rejected(code, 'parent-unavailable', true, d);
      }
      return rejected(code, 'not-found', true, d);
    case 9:
      // T reports a full queue as 9, not 23 (§4).
      if (includesAny(d, ['队列已满', 'queue is full', 'queue full'])) return rejected(code, 'queue-full', true, d);
      if (includesAny(d, ['不支持', 'not supported', 'unsupported'])) return rejected(code, 'unsupported', false, d);
      return rejected(code, 'system', true, d);
    case 5:
      // new-api's code 5 "unmarshal_response_body_failed": the upstream answered something that is not JSON, which
      // is its plain-text 401 for a wrong channel key.
      if (includesAny(d, ['unmarshal_response_body_failed'])) return rejected(code, 'upstream-auth', true, d);
      return rejected(code, 'system', true, d);
    default:
      if (httpStatus !== undefined && httpStatus >= 500) return rejected(code, 'system', true, d);
      if (httpStatus === 404) return rejected(code, 'parent-unavailable', true, d);
      return rejected(code, 'validation', false, d);
  }
}

/**
 * new-api's middleware refusals (token auth, channel distributor) carry no proxy code; the HTTP status says what
 * happened: 401/403 a bad token, 429 a rate limit, 503 (and other 5xx) no channel for the model, which a gateway
 * operator fixes or which comes back, 400 a request it cannot route (`unknown_action:…`, `custom_id_is_required`).
 */
export function classifyMiddlewareRefusal(message: string, httpStatus?: number): Rejected {
  if (httpStatus === 401 || httpStatus === 403) return rejected(0, 'auth', false, message);
  if (httpStatus === 429) return rejected(0, 'rate-limited', true, message);
  if (httpStatus === 503 || includesAny(message, ['无可用渠道', 'no available channel'])) {
    return rejected(0, 'no-instance', true, message);
  }
  if (httpStatus !== undefined && httpStatus >= 500) return rejected(0, 'system', true, message);
  return rejected(0, 'validation', false, message);
}

function numberOf(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
  return null;
}

function stringOrNull(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}

function isModal(description: string, properties: Record<string, unknown>): boolean {
  return (
    properties.remix === true ||
    typeof properties.finalPrompt === 'string' ||
    includesAny(description, ['waiting for window confirm', '窗口等待'])
  );
}

/** Internal: {@link parseSubmitResponse} plus the body's properties and shape. */
export function interpretSubmitResponse(body: unknown, httpStatus?: number): InterpretedSubmit {
  const isObject = typeof body === 'object' && body !== null && !Array.isArray(body);
  const ok = httpStatus === undefined || (httpStatus >= 200 && httpStatus < 300);

  if (isObject && 'error' in body) {
    const o = openAiErrorSchema.safeParse(body);
    if (o.success) {
      return {
        outcome: classifyMiddlewareRefusal(o.data.error.message, httpStatus),
        properties: {},
        shape: 'openai-envelope',
      };
    }
  }
  if (isObject && 'type' in body) {
    const g = gatewayErrorSchema.safeParse(body);
    if (g.success) {
      return {
        outcome: classifyRejection(g.data.code, g.data.description.trim(), httpStatus),
        properties: {},
        shape: 'gateway-envelope',
      };
    }
  }
  if (isObject && 'success' in body) {
    const t = trueaiEnvelopeSchema.safeParse(body);
    if (t.success && !t.data.success) {
      const code = t.data.code ?? -1;
      const message = t.data.message;
      let outcome: Rejected;
      if (httpStatus === 401 || httpStatus === 403) outcome = rejected(code, 'auth', false, message);
      else if (httpStatus === 429) outcome = rejected(code, 'rate-limited', true, message);
      // "服务暂不可用" is T's Redis-down answer; a 500 here is its unhandled-exception filter ("操作失败").
      else if ((httpStatus !== undefined && httpStatus >= 500) || includesAny(message, ['服务暂不可用'])) {
        outcome = rejected(code, 'system', true, message);
      } else outcome = rejected(code, 'validation', false, message);
      return { outcome, properties: {}, shape: 'trueai-envelope' };
    }
  }
  if (isObject && 'code' in body) {
    const s = submitResultSchema.safeParse(body);
    if (s.success) {
      const { code, description, result, properties } = s.data;
      const taskId = typeof result === 'string' && result !== '' ? result : null;
      const base = { properties, shape: 'submit-result' as const };
      if (ok && (code === 1 || code === 21 || code === 22)) {
        if (code === 1 && Array.isArray(result)) {
          return { ...base, outcome: { kind: 'uploaded', urls: result, description } };
        }
        if (taskId === null)
          throw new MjResponseError(`code ${code} without a task id in result`, { status: httpStatus });
        if (code === 1) return { ...base, outcome: { kind: 'accepted', taskId, description } };
        if (code === 22) {
          const fromText = QUEUE_AHEAD_RE.exec(description);
          const ahead = numberOf(properties.numberOfQueues) ?? (fromText ? Number(fromText[1]) : null);
          return { ...base, outcome: { kind: 'queued', taskId, ahead, description } };
        }
        if (isModal(description, properties)) {
          const finalPrompt = typeof properties.finalPrompt === 'string' ? properties.finalPrompt : null;
          return { ...base, outcome: { kind: 'modal', taskId, finalPrompt, description } };
        }
        return {
          ...base,
          outcome: {
            kind: 'existed',
            taskId,
            status: stringOrNull(properties.status),
            imageUrl: stringOrNull(properties.imageUrl),
            description,
          },
        };
      }
      return { ...base, outcome: classifyRejection(code, description, httpStatus) };
    }
  }
  if (!ok && httpStatus !== undefined) {
    const text = typeof body === 'string' ? body : '';
    if (httpStatus === 401 || httpStatus === 403) return none(rejected(0, 'auth', false, text));
    if (httpStatus === 429) return none(rejected(0, 'rate-limited', true, text));
    if (httpStatus === 404) return none(rejected(0, 'parent-unavailable', true, text));
    if (httpStatus >= 500) return none(rejected(0, 'system', true, text));
  }
  throw new MjResponseError(describeShape(body), { status: httpStatus });
}

function none(outcome: Rejected): InterpretedSubmit {
  return { outcome, properties: {}, shape: 'none' };
}

function describeShape(body: unknown): string {
  if (body === undefined || body === '') return 'empty body where a submit result was expected';
  if (typeof body === 'string') return 'non-JSON body where a submit result was expected';
  if (Array.isArray(body)) return 'an array where a submit result was expected';
  if (typeof body !== 'object' || body === null)
    return `${body === null ? 'null' : typeof body} where a submit result was expected`;
  const keys = Object.keys(body).slice(0, 8).join(', ');
  return `object without a usable code (keys: ${keys || 'none'})`;
}

/**
 * Classifies a submit answer (§3, §4). `httpStatus` refines the verdict: 401/403 are auth, 429 rate-limited, a 404
 * (T's missing parent) parent-unavailable, 5xx system. Throws {@link MjResponseError} for a body that is none of
 * the known shapes on a 2xx, or a success code without a task id.
 */
export function parseSubmitResponse(body: unknown, httpStatus?: number): SubmitOutcome {
  return interpretSubmitResponse(body, httpStatus).outcome;
}
