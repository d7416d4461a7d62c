/**
 * `POST /mj/submit/{imagine,blend,describe,shorten,edits,video,upload-discord-images}` and the endpoints this
 * service does not run (`insight-face/swap`, `retexture`: code 4). Each reads its body leniently (fields.ts) and
 * checks its images, and starts a job through {@link submit}, which stores them only once the submit is admitted.
 */
import { botLine } from '../../mj/params';
import type { BotType, BlendDimensions } from '../../shared/types';
import { admitWrite, type Answer, type GatewayApp, type RequestCtx } from '../app';
import { badInput, GatewayError } from '../errors';
import {
  generationPrompt,
  optBool,
  optEnum,
  optString,
  optStringArray,
  prompt as promptField,
  type Body,
} from './fields';
import { prepareImages } from './image-inputs';
import { storeMetered } from '../guards/storage-quota';
import { checkBanned, resolveMode, submit, withPromptWarnings } from './submit-common';

function botType(body: Body): BotType | undefined {
  const v = optString(body, 'botType', 40);
  if (v === undefined) return undefined;
  const t = v.toUpperCase();
  if (t === 'MID_JOURNEY' || t === 'MJ') return 'MID_JOURNEY';
  if (t === 'NIJI_JOURNEY' || t === 'NIJI') return 'NIJI_JOURNEY';
  throw badInput('botType', 'must be MID_JOURNEY or NIJI_JOURNEY');
}

/** `base64Array`, plus the legacy single `base64` (mouxan's imagine) as its first element. */
function imageList(body: Body, max: number): { value: string; field: string }[] {
  const list = (optStringArray(body, 'base64Array', max) ?? []).map((value, i) => ({
    value,
    field: `base64Array[${i}]`,
  }));
  const single = optString(body, 'base64', 50_000_000);
  return single ? [{ value: single, field: 'base64' }, ...list] : list;
}

export async function imagine(app: GatewayApp, ctx: RequestCtx): Promise<Answer> {
  const bt = botType(ctx.body);
  const { prompt: p, warnings } = generationPrompt(ctx.body, { line: botLine(bt) });
  checkBanned(app, p);
  const answer = await submit(app, ctx, {
    endpoint: 'imagine',
    images: prepareImages(imageList(ctx.body, 5)),
    request: (refs) => ({
      kind: 'imagine',
      prompt: p,
      ...(refs.length ? { referenceImages: refs } : {}),
      ...(bt ? { botType: bt } : {}),
    }),
    mode: resolveMode(ctx, app.options.defaultMode, p),
    prompt: p,
  });
  return withPromptWarnings(app, answer, warnings);
}

export async function blend(app: GatewayApp, ctx: RequestCtx): Promise<Answer> {
  const images = imageList(ctx.body, 5);
  if (images.length < 2 || images.length > 5) throw badInput('base64Array', 'must hold 2 to 5 images');
  const dimensions = optEnum<BlendDimensions>(ctx.body, 'dimensions', ['PORTRAIT', 'SQUARE', 'LANDSCAPE']);
  const bt = botType(ctx.body);
  return submit(app, ctx, {
    endpoint: 'blend',
    images: prepareImages(images),
    request: (refs) => ({
      kind: 'blend',
      images: refs,
      ...(dimensions ? { dimensions } : {}),
      ...(bt ? { botType: bt } : {}),
    }),
    mode: resolveMode(ctx, app.options.defaultMode),
    prompt: '',
  });
}

export async function describe(app: GatewayApp, ctx: RequestCtx): Promise<Answer> {
  const b64 = optString(ctx.body, 'base64', 50_000_000);
  const link = optString(ctx.body, 'link', 2000);
  if (!b64 && !link) throw badInput('base64', 'is required (an image data URL), or give link (an http(s) URL)');
  const images = prepareImages([b64 ? { value: b64, field: 'base64' } : { value: link!, field: 'link' }]);
  const bt = botType(ctx.body);
  return submit(app, ctx, {
    endpoint: 'describe',
    images,
    request: ([image]) => ({ kind: 'describe', image: image!, ...(bt ? { botType: bt } : {}) }),
    mode: resolveMode(ctx, app.options.defaultMode),
    prompt: '',
  });
}

export async function shorten(app: GatewayApp, ctx: RequestCtx): Promise<Answer> {
  const p = promptField(ctx.body);
  checkBanned(app, p);
  const bt = botType(ctx.body);
  return submit(app, ctx, {
    endpoint: 'shorten',
    request: { kind: 'shorten', prompt: p, ...(bt ? { botType: bt } : {}) },
    mode: resolveMode(ctx, app.options.defaultMode, p),
    prompt: p,
  });
}

export async function edits(app: GatewayApp, ctx: RequestCtx): Promise<Answer> {
  const { prompt: p, warnings } = generationPrompt(ctx.body);
  checkBanned(app, p);
  const img = optString(ctx.body, 'image', 50_000_000);
  if (!img) throw badInput('image', 'is required (an http(s) URL or base64 image)');
  const answer = await submit(app, ctx, {
    endpoint: 'edits',
    images: prepareImages([{ value: img, field: 'image' }], { bareBase64: true }),
    request: ([image]) => ({ kind: 'edits', prompt: p, image: image! }),
    mode: resolveMode(ctx, app.options.defaultMode, p),
    prompt: p,
  });
  return withPromptWarnings(app, answer, warnings);
}

export async function video(app: GatewayApp, ctx: RequestCtx): Promise<Answer> {
  if (optString(ctx.body, 'action', 40) !== undefined)
    throw badInput('action', 'is not supported here (extend a video with /mj/submit/action and its button)');
  const { prompt: p, warnings } = generationPrompt(ctx.body, { video: true });
  checkBanned(app, p);
  const motion = optEnum(ctx.body, 'motion', ['low', 'high'] as const);
  const loop = optBool(ctx.body, 'loop');
  const batchSize = ctx.body.batchSize;
  if (batchSize !== undefined && batchSize !== null && ![1, 2, 4].includes(batchSize as number))
    throw badInput('batchSize', 'must be 1, 2 or 4');
  const imgs: { value: string; field: string }[] = [];
  const first = optString(ctx.body, 'image', 50_000_000) ?? optString(ctx.body, 'base64', 50_000_000);
  const end = optString(ctx.body, 'endImage', 50_000_000);
  if (first) imgs.push({ value: first, field: ctx.body.image ? 'image' : 'base64' });
  if (end) imgs.push({ value: end, field: 'endImage' });
  const answer = await submit(app, ctx, {
    endpoint: 'video',
    images: prepareImages(imgs, { bareBase64: true }),
    request: (refs) => ({
      kind: 'video',
      prompt: p,
      ...(first ? { image: refs[0] } : {}),
      ...(end ? { endImage: refs[first ? 1 : 0] } : {}),
      ...(motion ? { motion } : {}),
      ...(loop !== undefined ? { loop } : {}),
      ...(batchSize ? { batchSize: batchSize as 1 | 2 | 4 } : {}),
    }),
    mode: resolveMode(ctx, app.options.defaultMode, p),
    prompt: p,
  });
  return withPromptWarnings(app, answer, warnings);
}

/**
 * Stores the images and answers their URLs (`result` is an array of strings, as chatgpt-web expects), for
 * `--cref`/`--sref` or reference images: copies served by this gateway under a grant signed for the tenant, which
 * expires (`imageUrlTtlMs`) and ends when one of the tenant's keys is revoked (image-urls.ts). Checked first, then
 * the tenant's submit rate and storage quota, then written.
 */
export async function uploadImages(app: GatewayApp, ctx: RequestCtx): Promise<Answer> {
  const list = imageList(ctx.body, 10);
  if (list.length === 0) throw badInput('base64Array', 'is required (1 to 10 image data URLs)');
  const images = prepareImages(list);
  await admitWrite(app, ctx.tenant);
  const refs = await storeMetered(app, ctx.tenant, images);
  const gen = await app.tenants.keyGeneration(ctx.tenant);
  const urls = refs.map((r) =>
    'url' in r ? r.url : `${ctx.baseUrl}${app.urls.uploadPath(ctx.tenant, gen, r.asset.key)}`
  );
  return { body: { code: 1, description: 'Submit success', result: urls, properties: {} } };
}

/** Endpoints of some proxies that no durable job kind here runs: a clear code 4 instead of a silent pass. */
export function unsupported(what: string) {
  return async (): Promise<Answer> => {
    throw new GatewayError(200, 4, `${what} is not supported by this service (no durable job kind runs it)`, {
      field: 'path',
      rule: 'supported-endpoint',
    });
  };
}
