/**
 * zod schemas shared by pipeline and batch specs: prompts, image and asset references, masks, job requests, poll
 * policy overrides. Custom issues carry `params.rule` (a {@link SpecRule}); {@link issuesFromZod} turns zod issues
 * into {@link SpecIssue}s with `steps[2].blend.images`-style paths.
 */
import { SPEED_MODES } from '../mj/terms/speed-modes';
import { z } from 'zod';
import type { SpeedMode } from '../mj/types';
import { botLine, checkPromptParams, type CheckParamsOptions, type ParamProblem } from '../mj/params';
import { isBlankText } from '../mj/prompt-rule';
import { MAX_IMAGE_BYTES, MAX_PROMPT_LENGTH } from '../shared/defaults';
import { isDuration, type Duration } from '../shared/duration';
import type { SpecIssue, SpecRule } from '../shared/pipeline-types';
import type { AssetRef, ImageRef, JobRequest, PollPolicy } from '../shared/types';
import { toPipelineIntent } from './intents';

type Ctx = z.core.$RefinementCtx;

export function ruleIssue(ctx: Ctx, rule: SpecRule, message: string, path?: (string | number)[]): void {
  ctx.addIssue({ code: 'custom', message, params: { rule }, ...(path ? { path } : {}) });
}

/** `['steps', 2, 'action', 1]` → `steps[2].action[1]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out;
}

/** Joins a prefix (`steps[2]`) and a relative path (`blend.images`). */
export function joinPath(prefix: string, rel: string): string {
  if (!prefix) return rel;
  if (!rel) return prefix;
  return rel.startsWith('[') ? `${prefix}${rel}` : `${prefix}.${rel}`;
}

export function issuesFromZod(error: z.ZodError, prefix = ''): SpecIssue[] {
  return error.issues.map((i) => {
    const rule = (i.code === 'custom' && (i.params?.rule as SpecRule | undefined)) || 'schema';
    return { path: joinPath(prefix, formatPath(i.path)), rule, message: i.message };
  });
}

export const ID_RE = /^[A-Za-z][A-Za-z0-9_-]{0,39}$/;
export const idSchema = z
  .string()
  .regex(ID_RE, 'must start with a letter and use only letters, digits, "_" and "-" (at most 40 characters)');

export const speedModeSchema = z.enum(SPEED_MODES) satisfies z.ZodType<SpeedMode>;
export const accountSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be an account key');
export const botTypeSchema = z.enum(['MID_JOURNEY', 'NIJI_JOURNEY']);

/** A prompt: trimmed, not blank (src/mj/prompt-rule.ts: invisible characters do not count), at most MAX_PROMPT_LENGTH. */
export const promptSchema = z.string().transform((s, ctx) => {
  const t = s.trim();
  if (isBlankText(t)) {
    ruleIssue(ctx, 'prompt-empty', 'prompt is empty');
    return z.NEVER;
  }
  if (t.length > MAX_PROMPT_LENGTH) {
    ruleIssue(ctx, 'prompt-too-long', `prompt has ${t.length} characters (at most ${MAX_PROMPT_LENGTH})`);
    return z.NEVER;
  }
  return t;
});

export const durationSchema = z
  .string()
  .refine((d) => isDuration(d), 'must be a duration like "30s", "5m", "2h"')
  .transform((d) => d.trim() as Duration);

export const assetRefSchema = z.strictObject({
  key: z.string().min(1).max(512),
  sha256: z.string().regex(/^[a-f0-9]{64}$/i, 'must be 64 hex digits'),
  size: z.number().int().positive().max(MAX_IMAGE_BYTES),
  contentType: z.string().regex(/^[\w.+-]+\/[\w.+-]+$/, 'must be a MIME type'),
}) satisfies z.ZodType<AssetRef>;

/** `{ url }` (http/https, readable by the proxy) or `{ asset }` (stored beforehand). */
export const imageRefSchema = z
  .strictObject({
    url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
    asset: assetRefSchema.optional(),
  })
  .transform((v, ctx): ImageRef => {
    if ((v.url === undefined) === (v.asset === undefined)) {
      ruleIssue(ctx, 'schema', 'an image is either { "url": … } or { "asset": { key, sha256, size, contentType } }');
      return z.NEVER;
    }
    if (v.asset && !v.asset.contentType.startsWith('image/')) {
      ruleIssue(ctx, 'schema', `asset is ${v.asset.contentType}, not an image`, ['asset', 'contentType']);
      return z.NEVER;
    }
    return v.url !== undefined ? { url: v.url } : { asset: v.asset! };
  });

const MASK_HELP = 'a mask is a stored PNG asset reference { key, sha256, size, contentType: "image/png" }';

/** A Vary (Region) mask: a stored PNG asset, never inline bytes or a URL (§8: T strips `data:image/png;base64,`). */
export const maskSchema = z
  .any()
  .superRefine((v, ctx) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      const what = typeof v === 'string' && v.startsWith('data:') ? 'an inline data URL' : JSON.stringify(typeof v);
      ruleIssue(ctx, 'mask-not-asset', `mask is ${what}; ${MASK_HELP}`);
    }
  })
  .pipe(
    assetRefSchema.superRefine((ref, ctx) => {
      const ext = /\.([A-Za-z0-9]+)$/.exec(ref.key)?.[1]?.toLowerCase();
      if (ref.contentType.toLowerCase() !== 'image/png') {
        ruleIssue(ctx, 'mask-not-png', `mask is ${ref.contentType}, not a PNG (image/png)`, ['contentType']);
      } else if (ext !== undefined && ext !== 'png') {
        ruleIssue(ctx, 'mask-not-png', `mask key ends in .${ext}, not .png`, ['key']);
      }
    })
  );

/** Modal input given in a file: `{ prompt?, mask? }`. */
/**
 * The prompt of a step that makes images or a video: {@link promptSchema}, then the parameter rules of src/mj/params
 * (rule `prompt-param`; the message names the parameter, the rule's id and its documentation page).
 */
function generationPromptSchema(opts: CheckParamsOptions = {}) {
  return promptSchema.superRefine((p, ctx) => {
    const first = checkPromptParams(p, opts).problems[0];
    if (first) ruleIssue(ctx, 'prompt-param', promptParamMessage(first));
  });
}

/** A refusal of src/mj/params as an issue message: what it says, the rule's id and its page. */
export function promptParamMessage(p: ParamProblem): string {
  return `${p.message} [${p.rule}; ${p.source}]`;
}

/**
 * An imagine on the niji bot (`botType: NIJI_JOURNEY`) whose prompt names no model runs niji: its prompt, which
 * passed for some current version, must pass for a niji one too (rule `prompt-param` on `prompt`).
 */
export function checkImagineOnItsBot(body: { prompt?: string; botType?: string }, ctx: Ctx): void {
  const line = botLine(body.botType);
  if (line === undefined || body.prompt === undefined) return;
  const first = checkPromptParams(body.prompt, { line }).problems[0];
  if (first) ruleIssue(ctx, 'prompt-param', promptParamMessage(first), ['prompt']);
}

/** An imagine's or an edit's prompt. */
export const imaginePromptSchema = generationPromptSchema();
/** A video's prompt (`--motion`, `--loop`, … need no `--video`). */
export const videoPromptSchema = generationPromptSchema({ video: true });

export const modalInputSchema = z.strictObject({ prompt: promptSchema.optional(), mask: maskSchema.optional() });

export const pollPolicySchema = z.strictObject({
  initialInterval: durationSchema.optional(),
  maxInterval: durationSchema.optional(),
  webhookInterval: durationSchema.optional(),
  backoffCoefficient: z.number().min(1).max(10).optional(),
  jitter: z.number().min(0).max(0.5).optional(),
  queuedTimeout: durationSchema.optional(),
  stallTimeout: durationSchema.optional(),
  totalTimeout: durationSchema.optional(),
  modalTimeout: durationSchema.optional(),
}) satisfies z.ZodType<Partial<PollPolicy>>;

const blendImagesSchema = z.array(imageRefSchema).superRefine((images, ctx) => {
  if (images.length < 2 || images.length > 5) {
    ruleIssue(ctx, 'blend-image-count', `blend takes 2 to 5 images, got ${images.length}`);
  }
});

// Entry requests. `kind` comes from the key in a pipeline file (`"blend": {…}`) or from `kind` in a batch item.
export const imagineBodySchema = z
  .strictObject({
    prompt: imaginePromptSchema,
    referenceImages: z.array(imageRefSchema).max(5).optional(),
    botType: botTypeSchema.optional(),
  })
  .superRefine(checkImagineOnItsBot);
export const blendBodySchema = z.strictObject({
  images: blendImagesSchema,
  dimensions: z.enum(['PORTRAIT', 'SQUARE', 'LANDSCAPE']).optional(),
  botType: botTypeSchema.optional(),
});
export const describeBodySchema = z.strictObject({ image: imageRefSchema, botType: botTypeSchema.optional() });
export const shortenBodySchema = z.strictObject({ prompt: promptSchema, botType: botTypeSchema.optional() });
export const editsBodySchema = z.strictObject({ prompt: imaginePromptSchema, image: imageRefSchema });
export const videoBodySchema = z.strictObject({
  prompt: videoPromptSchema,
  image: imageRefSchema.optional(),
  endImage: imageRefSchema.optional(),
  motion: z.enum(['low', 'high']).optional(),
  loop: z.boolean().optional(),
  batchSize: z.union([z.literal(1), z.literal(2), z.literal(4)]).optional(),
});

/** An intent written by a person ("U2", "zoom-out 2"), parsed into an IntentSpec. */
export const intentTextSchema = z.string().transform((text, ctx) => {
  const r = toPipelineIntent(text);
  if (!r.ok) {
    ruleIssue(ctx, r.rule, r.message);
    return z.NEVER;
  }
  return r.value.intent;
});

export const actionBodySchema = z.strictObject({
  parentTaskId: z.string().min(1).max(128),
  intent: intentTextSchema,
  enableRemix: z.boolean().optional(),
});

/** A full job request with `kind` (batch items). */
export const jobRequestSchema = z.discriminatedUnion('kind', [
  imagineBodySchema.extend({ kind: z.literal('imagine') }),
  actionBodySchema.extend({ kind: z.literal('action') }),
  blendBodySchema.extend({ kind: z.literal('blend') }),
  describeBodySchema.extend({ kind: z.literal('describe') }),
  shortenBodySchema.extend({ kind: z.literal('shorten') }),
  editsBodySchema.extend({ kind: z.literal('edits') }),
  videoBodySchema.extend({ kind: z.literal('video') }),
]) satisfies z.ZodType<JobRequest, unknown>;
