/**
 * zod schemas for every request and response of the contract (§2–§7). Request schemas are strict about what we send;
 * response schemas are tolerant about what we receive (§14.10): unknown fields are stripped, nulls and zero values
 * are normalised, unknown enum strings are kept.
 */
import { z } from 'zod';
import { MAX_PROMPT_LENGTH, MAX_STATE_LENGTH } from './terms/limits';
import { isBlankText } from './prompt-rule';
import { httpUrlProblem, imageDataUrlProblem, imageRefProblem, pngDataUrlProblem } from './data-url';
import { MjInputError } from './errors';
import { SPEED_MODES, speedModeOf } from './terms/speed-modes';
import type { MjButton, MjMediaUrl, MjTask, SpeedMode } from './types';

/** T rejects a `notifyHook` longer than this (§2.1). */
export const MAX_NOTIFY_HOOK_LENGTH = 2000;

/** Adds a custom issue when `problem(value)` returns a rule phrase. */
function refineWith(problem: (v: unknown) => string | null) {
  return (value: unknown, ctx: z.RefinementCtx) => {
    const rule = problem(value);
    if (rule) ctx.addIssue({ code: 'custom', message: rule });
  };
}

const promptSchema = z
  .string()
  .max(MAX_PROMPT_LENGTH, { error: `must be at most ${MAX_PROMPT_LENGTH} characters` })
  .refine((s) => !isBlankText(s), { error: 'must not be empty or whitespace' });

/** True when `s` holds whitespace or an ASCII control character (unsafe in ids, header values and paths). */
export function hasWhitespaceOrControl(s: string): boolean {
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    if (c < 0x20 || c === 0x7f || /\s/.test(ch)) return true;
  }
  return false;
}

const idSchema = z
  .string()
  .min(1, { error: 'must not be empty' })
  .max(128, { error: 'must be at most 128 characters' })
  .refine((s) => !hasWhitespaceOrControl(s), { error: 'must not contain whitespace or control characters' })
  .refine((s) => s !== '.' && s !== '..', { error: 'must not be a dot segment' });

const imageDataUrlSchema = z.string().superRefine(refineWith(imageDataUrlProblem));
const imageRefSchema = z.string().superRefine(refineWith(imageRefProblem));

/** `accountFilter` (T and G; G drops it unless enabled, §2.1). */
export const accountFilterSchema = z.object({
  instanceId: z.string().optional(),
  channelId: z.string().optional(),
  modes: z.array(z.enum(SPEED_MODES)).optional(),
  remix: z.boolean().optional(),
  nijiRemix: z.boolean().optional(),
  remixAutoConsidered: z.boolean().optional(),
  remark: z.string().optional(),
});

/** Fields every submit accepts (`BaseSubmitDTO`, §2.1). */
export const baseSubmitSchema = z.object({
  state: z
    .string()
    .max(MAX_STATE_LENGTH, { error: `must be at most ${MAX_STATE_LENGTH} characters` })
    .optional(),
  notifyHook: z
    .string()
    .max(MAX_NOTIFY_HOOK_LENGTH, { error: `must be at most ${MAX_NOTIFY_HOOK_LENGTH} characters` })
    .superRefine(refineWith(httpUrlProblem))
    .optional(),
  accountFilter: accountFilterSchema.optional(),
  botType: z.enum(['MID_JOURNEY', 'NIJI_JOURNEY']).optional(),
});

/** `POST /mj/submit/imagine`. */
export const imagineRequestSchema = baseSubmitSchema.extend({
  prompt: promptSchema,
  base64Array: z.array(imageDataUrlSchema).optional(),
  /** N's deprecated single reference image. */
  base64: imageDataUrlSchema.optional(),
});
/** Body of `POST /mj/submit/imagine`. */
export type ImagineRequest = z.infer<typeof imagineRequestSchema>;

/** `POST /mj/submit/action` (P, T, G). */
export const actionRequestSchema = baseSubmitSchema.extend({
  taskId: idSchema,
  customId: z.string().min(1, { error: 'must not be empty' }),
  enableRemix: z.boolean().optional(),
  chooseSameChannel: z.boolean().optional(),
});
/** Body of `POST /mj/submit/action`. */
export type ActionRequest = z.infer<typeof actionRequestSchema>;

/** `POST /mj/submit/modal`: `taskId` is the MODAL child from the code-21 answer, not the parent (§8). */
export const modalRequestSchema = baseSubmitSchema.extend({
  taskId: idSchema,
  prompt: z
    .string()
    .max(MAX_PROMPT_LENGTH, { error: `must be at most ${MAX_PROMPT_LENGTH} characters` })
    .optional(),
  maskBase64: z.string().superRefine(refineWith(pngDataUrlProblem)).optional(),
});
/** Body of `POST /mj/submit/modal`. */
export type ModalRequest = z.infer<typeof modalRequestSchema>;

/** `POST /mj/submit/change` (N, P; forwarded by G). */
export const changeRequestSchema = baseSubmitSchema
  .extend({
    taskId: idSchema,
    action: z.enum(['UPSCALE', 'VARIATION', 'REROLL']),
    index: z
      .number()
      .int({ error: 'must be an integer from 1 to 4' })
      .min(1, { error: 'must be an integer from 1 to 4' })
      .max(4, { error: 'must be an integer from 1 to 4' })
      .optional(),
  })
  .superRefine((req, ctx) => {
    if (req.action !== 'REROLL' && req.index === undefined) {
      ctx.addIssue({ code: 'custom', path: ['index'], message: `is required for ${req.action}` });
    }
  });
/** Body of `POST /mj/submit/change`. */
export type ChangeRequest = z.infer<typeof changeRequestSchema>;

/** `POST /mj/submit/simple-change` (N): `content` is `"<taskId> U1..U4|V1..V4|R"`. */
export const simpleChangeRequestSchema = baseSubmitSchema.extend({
  content: z.string().regex(/^\s*\S+ (?:[UV][1-4]|R)\s*$/, {
    error: 'must look like "<taskId> U1..U4", "<taskId> V1..V4" or "<taskId> R"',
  }),
});
/** Body of `POST /mj/submit/simple-change`. */
export type SimpleChangeRequest = z.infer<typeof simpleChangeRequestSchema>;

/** `POST /mj/submit/blend`: 2–5 images (§11). */
export const blendRequestSchema = baseSubmitSchema.extend({
  base64Array: z.array(imageDataUrlSchema).superRefine((arr, ctx) => {
    if (arr.length < 2 || arr.length > 5) {
      ctx.addIssue({ code: 'custom', message: `must hold 2–5 images (got ${arr.length})` });
    }
  }),
  dimensions: z.enum(['PORTRAIT', 'SQUARE', 'LANDSCAPE']).optional(),
});
/** Body of `POST /mj/submit/blend`. */
export type BlendRequest = z.infer<typeof blendRequestSchema>;

/** `POST /mj/submit/describe`: exactly one of `base64` or `link` (T only). */
export const describeRequestSchema = baseSubmitSchema
  .extend({
    base64: imageDataUrlSchema.optional(),
    link: z.string().superRefine(refineWith(httpUrlProblem)).optional(),
    language: z.string().optional(),
  })
  .superRefine((req, ctx) => {
    const given = Number(req.base64 !== undefined) + Number(req.link !== undefined);
    if (given !== 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['base64'],
        message: `or link must be given, exactly one (got ${given === 0 ? 'neither' : 'both'})`,
      });
    }
  });
/** Body of `POST /mj/submit/describe`. */
export type DescribeRequest = z.infer<typeof describeRequestSchema>;

/** `POST /mj/submit/shorten` (P, T, G). */
export const shortenRequestSchema = baseSubmitSchema.extend({ prompt: promptSchema });
/** Body of `POST /mj/submit/shorten`. */
export type ShortenRequest = z.infer<typeof shortenRequestSchema>;

/** `POST /mj/submit/edits` (T, G). */
export const editsRequestSchema = baseSubmitSchema.extend({ prompt: promptSchema, image: imageRefSchema });
/** Body of `POST /mj/submit/edits`. */
export type EditsRequest = z.infer<typeof editsRequestSchema>;

/** `POST /mj/submit/retexture` (T): same body as edits. */
export const retextureRequestSchema = editsRequestSchema;
/** Body of `POST /mj/submit/retexture`. */
export type RetextureRequest = z.infer<typeof retextureRequestSchema>;

/** `POST /mj/submit/video` (T, G): a new video, or `action:'extend'` of a video task's clip `index` 0–3. */
export const videoRequestSchema = baseSubmitSchema
  .extend({
    prompt: z
      .string()
      .max(MAX_PROMPT_LENGTH, { error: `must be at most ${MAX_PROMPT_LENGTH} characters` })
      .optional(),
    motion: z.enum(['low', 'high']).optional(),
    image: imageRefSchema.optional(),
    endImage: imageRefSchema.optional(),
    loop: z.boolean().optional(),
    action: z.literal('extend').optional(),
    taskId: idSchema.optional(),
    index: z
      .number()
      .int({ error: 'must be an integer from 0 to 3' })
      .min(0, { error: 'must be an integer from 0 to 3' })
      .max(3, { error: 'must be an integer from 0 to 3' })
      .optional(),
    videoType: z.enum(['vid_1.1_i2v_480', 'vid_1.1_i2v_720']).optional(),
    batchSize: z.union([z.literal(1), z.literal(2), z.literal(4)], { error: 'must be 1, 2 or 4' }).optional(),
  })
  .superRefine((req, ctx) => {
    if (req.action === 'extend') {
      if (req.taskId === undefined)
        ctx.addIssue({ code: 'custom', path: ['taskId'], message: 'is required to extend' });
      if (req.index === undefined) ctx.addIssue({ code: 'custom', path: ['index'], message: 'is required to extend' });
    } else if (req.prompt === undefined || isBlankText(req.prompt)) {
      ctx.addIssue({ code: 'custom', path: ['prompt'], message: 'must not be empty or whitespace' });
    }
  });
/** Body of `POST /mj/submit/video`. */
export type VideoRequest = z.infer<typeof videoRequestSchema>;

/** `POST /mj/submit/upload-discord-images` (T, G). */
export const uploadRequestSchema = z.object({
  base64Array: z.array(imageDataUrlSchema).min(1, { error: 'must hold at least one image' }),
  accountFilter: accountFilterSchema.optional(),
});
/** Body of `POST /mj/submit/upload-discord-images`. */
export type UploadRequest = z.infer<typeof uploadRequestSchema>;

/** A task id used in a path (fetch, image-seed, cancel). */
export const taskIdSchema = idSchema;

/** `POST /mj/task/list-by-condition`. */
export const listByConditionRequestSchema = z.object({ ids: z.array(idSchema) });
/** Body of `POST /mj/task/list-by-condition`. */
export type ListByConditionRequest = z.infer<typeof listByConditionRequestSchema>;

// ---------------------------------------------------------------------------------------------------------------
// Responses
// ---------------------------------------------------------------------------------------------------------------

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const textOrEmpty = z
  .union([z.string(), z.number(), z.boolean()])
  .nullish()
  .transform((v) => (v == null ? '' : String(v)));

const textOrNull = z
  .union([z.string(), z.number()])
  .nullish()
  .transform((v) => (v == null || v === '' ? null : String(v)));

// G writes 0 for "unset", N and T write null; some docs print numbers as strings.
const epochMs = z
  .union([z.number(), z.string()])
  .nullish()
  .transform((v) => {
    const n = typeof v === 'string' ? Number(v) : v;
    return n == null || !Number.isFinite(n) || n <= 0 ? null : n;
  });

const freeForm = z
  .unknown()
  .optional()
  .transform((v): Record<string, unknown> => (isRecord(v) ? v : {}));

/** A button (§5); `type` and `style` default to a grey Discord button when missing. */
export const buttonSchema = z.object({
  customId: z.string().min(1),
  emoji: textOrEmpty,
  label: textOrEmpty,
  type: z.coerce.number().catch(2),
  style: z.coerce.number().catch(2),
});

const buttonList = z
  .unknown()
  .optional()
  .transform((v): MjButton[] => {
    if (!Array.isArray(v)) return [];
    // T drops components without a customId; do the same with anything unusable rather than failing the task.
    return v.flatMap((b) => {
      const r = buttonSchema.safeParse(b);
      return r.success ? [r.data] : [];
    });
  });

/** One entry of `imageUrls`/`videoUrls`; a bare string is accepted as `{url}`. */
export const mediaUrlSchema = z.union([
  z.string().transform((url): MjMediaUrl => ({ url })),
  z.object({ url: z.string(), thumbnail: z.string().nullish() }).transform((m): MjMediaUrl => {
    return m.thumbnail ? { url: m.url, thumbnail: m.thumbnail } : { url: m.url };
  }),
]);

const mediaList = z
  .unknown()
  .optional()
  .transform((v): MjMediaUrl[] => {
    if (!Array.isArray(v)) return [];
    return v.flatMap((m) => {
      const r = mediaUrlSchema.safeParse(m);
      return r.success && r.data.url !== '' ? [r.data] : [];
    });
  });

const speedMode = z
  .unknown()
  .optional()
  .transform((v): SpeedMode | null => speedModeOf(v) ?? null);

/** Raw task object (§5) as the proxies send it, normalised field by field. */
export const taskResponseSchema = z.object({
  id: z.union([z.string().min(1), z.number()]).transform(String),
  action: textOrEmpty,
  status: textOrEmpty,
  prompt: textOrEmpty,
  promptEn: textOrEmpty,
  description: textOrEmpty,
  state: z
    .string()
    .nullish()
    .transform((v) => v ?? null),
  submitTime: epochMs,
  startTime: epochMs,
  finishTime: epochMs,
  progress: textOrEmpty,
  imageUrl: textOrNull,
  imageUrls: mediaList,
  videoUrl: textOrNull,
  videoUrls: mediaList,
  failReason: textOrNull,
  parentId: textOrNull,
  mode: speedMode,
  properties: freeForm,
  buttons: buttonList,
});

/** The contract's task, before derived fields are added. */
export type TaskResponse = z.infer<typeof taskResponseSchema>;

// Compile-time check that the parsed shape plus derived fields is exactly MjTask.
type _TaskShapeCheck =
  Omit<MjTask, 'progressPct' | 'finalPrompt' | 'finalZhPrompt' | 'stub'> extends TaskResponse
    ? TaskResponse extends Omit<MjTask, 'progressPct' | 'finalPrompt' | 'finalZhPrompt' | 'stub'>
      ? true
      : never
    : never;
const _taskShapeCheck: _TaskShapeCheck = true;
void _taskShapeCheck;

/** `SubmitResultVO` (§3): `result` may be a string, a number (some docs) or a string[] (uploads). */
export const submitResultSchema = z.object({
  code: z.union([
    z.number(),
    z
      .string()
      .regex(/^-?\d+$/)
      .transform(Number),
  ]),
  description: textOrEmpty,
  result: z
    .union([z.string(), z.number().transform(String), z.array(z.union([z.string(), z.number().transform(String)]))])
    .nullish(),
  properties: freeForm,
});
/** A parsed `SubmitResultVO`. */
export type SubmitResult = z.infer<typeof submitResultSchema>;

/** T's other envelope, from its exception filter (§1): `{success:false, code:-1, message, timestamp}`. */
export const trueaiEnvelopeSchema = z.object({
  success: z.boolean(),
  code: z.number().optional(),
  message: textOrEmpty,
});

/**
 * The OpenAI-style envelope new-api's middleware answers with before any relay (token auth, channel distributor):
 * `{"error":{"message":"…","type":"new_api_error"}}` with HTTP 400, 401, 403, 429 or 503.
 */
export const openAiErrorSchema = z.object({
  error: z.object({
    message: textOrEmpty,
    type: z.string().optional(),
  }),
});

/** G's error envelope (§1): `{description, type:"upstream_error", code}` with HTTP 400/429/500. */
export const gatewayErrorSchema = z.object({
  description: textOrEmpty,
  type: z.string(),
  code: z.union([
    z.number(),
    z
      .string()
      .regex(/^-?\d+$/)
      .transform(Number),
  ]),
});

// ---------------------------------------------------------------------------------------------------------------
// Validation helpers
// ---------------------------------------------------------------------------------------------------------------

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out || 'request';
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = root;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return cur;
}

function ruleOf(issue: z.core.$ZodIssue, input: unknown): string {
  switch (issue.code) {
    case 'invalid_type': {
      const article = /^[aeiou]/.test(issue.expected) ? 'an' : 'a';
      return valueAt(input, issue.path) === undefined ? 'is required' : `must be ${article} ${issue.expected}`;
    }
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      return issue.message;
  }
}

/**
 * Validates a request with its schema and returns the parsed copy (unknown keys stripped). Throws
 * {@link MjInputError} for the first issue, naming the field path and the broken rule; `context` (e.g. `blend`)
 * prefixes the message.
 */
export function validateRequest<S extends z.ZodType>(schema: S, value: unknown, context?: string): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  throw new MjInputError(formatPath(issue.path), ruleOf(issue, value), context);
}

/** A short, body-free description of why a response did not parse: paths and messages of the first issues. */
export function summarizeIssues(error: z.ZodError, max = 3): string {
  const parts = error.issues.slice(0, max).map((i) => `${formatPath(i.path)}: ${i.message}`);
  if (error.issues.length > max) parts.push(`+${error.issues.length - max} more`);
  return parts.join('; ');
}
