/**
 * Response envelopes per flavour (contract §1, §3, §4): SubmitResultVO, T's second error envelope, the gateway's
 * `{description, type, code}` errors and its 21/22 → 1 rewrite.
 */
import type { MjFlavour } from '../mj/terms/flavours';

/** What a handler answers; the server turns it into bytes. */
export interface Reply {
  status: number;
  json?: unknown;
  text?: string;
  bytes?: Buffer;
  contentType?: string;
  headers?: Record<string, string>;
}

/** A JSON reply with the given status. */
export function jsonReply(status: number, body: unknown): Reply {
  return { status, json: body };
}

/** HTTP 200 with an empty body (N's unknown-id fetch, T's cancel). */
export const EMPTY_200: Reply = { status: 200 };

/**
 * A SubmitResultVO. On the gateway, 21 (MODAL) becomes 1 except for INPAINT and CUSTOM_ZOOM, and 22 (queued)
 * becomes 1; only the code changes, as new-api rewrites the upstream body textually.
 */
export function submitResult(
  flavour: MjFlavour,
  code: number,
  description: string,
  result: string | string[] | null,
  properties: Record<string, unknown> | undefined,
  gatewayAction?: string
): Reply {
  let out = code;
  if (flavour === 'gateway') {
    if (code === 22) out = 1;
    if (code === 21 && gatewayAction !== 'INPAINT' && gatewayAction !== 'CUSTOM_ZOOM') out = 1;
  }
  const body: Record<string, unknown> = { code: out, description, result };
  // plus documents its success answer without `properties`.
  if (properties !== undefined && !(flavour === 'plus' && code === 1)) body.properties = properties;
  return jsonReply(200, body);
}

/** How a business error is shaped per flavour. */
export interface RejectOptions {
  properties?: Record<string, unknown>;
  /** HTTP status trueai uses for this error (404 for a missing parent, 400 for image-seed). @default 200 */
  trueaiStatus?: number;
  /** The gateway itself refuses (HTTP 400 envelope) rather than passing the upstream's answer through. */
  gatewayOwn?: boolean;
  /** The gateway's own description (snake_case), when it differs from the upstream text. */
  gatewayDescription?: string;
  result?: string | null;
}

/** A business error: SubmitResultVO with a non-1 code, or the gateway's own 400 envelope. */
export function reject(flavour: MjFlavour, code: number, description: string, opts: RejectOptions = {}): Reply {
  // new-api's own refusals all carry its MjRequestError code, 4, whatever the upstream would have said.
  if (flavour === 'gateway' && opts.gatewayOwn) return gatewayError(4, opts.gatewayDescription ?? description);
  const status = flavour === 'trueai' ? (opts.trueaiStatus ?? 200) : 200;
  return jsonReply(status, { code, description, result: opts.result ?? null, properties: opts.properties ?? {} });
}

/**
 * new-api's relay error (`controller/relay.go`): HTTP 400 (429 for code 30) with `description` = the error's
 * description, a space and its result, which is usually empty: hence the trailing space real clients see.
 */
export function gatewayError(code: number, description: string, result = ''): Reply {
  return jsonReply(code === 30 ? 429 : 400, { description: `${description} ${result}`, type: 'upstream_error', code });
}

/** T's LogicException envelope, which only `/imagine` converts into a SubmitResultVO (contract §1). */
export function trueaiLogicError(message: string, now: number): Reply {
  return jsonReply(200, { success: false, code: -1, message, timestamp: now });
}

/** Spring Boot's default error body (novicezk, plus). */
export function springError(status: number, error: string, path: string, now: number): Reply {
  return jsonReply(status, { timestamp: new Date(now).toISOString(), status, error, path });
}

/** An unknown route, per flavour: Spring JSON, ASP.NET empty body, gin plain text. */
export function notFound(flavour: MjFlavour, path: string, now: number): Reply {
  if (flavour === 'novicezk' || flavour === 'plus') return springError(404, 'Not Found', path, now);
  if (flavour === 'trueai') return { status: 404 };
  return { status: 404, text: '404 page not found', contentType: 'text/plain; charset=utf-8' };
}
