/**
 * Task JSON as each flavour returns it from fetch, list and webhooks (contract §5): N has no buttons, T leaks many
 * internal fields and uses null, G keeps its own trimmed copy with zero values and `state: ""`.
 */
import type { SimClock } from './clock';
import { chineseTwin, numbered, shortenMarkdown } from './content';
import { URL_TTL_MS, type UrlSigner } from './images';
import type { MjFlavour } from '../mj/terms/flavours';
import type { SimTask, UploadRef } from './task';

type Json = Record<string, unknown>;

/** Path of a task's image file; `/__sim/images/<taskId>/<file>`. */
export function imagePath(taskId: string, file: string): string {
  return `/__sim/images/${taskId}/${file}`;
}

/** Path of an uploaded image; `/__sim/attachments/<uploadId>/<n>.png`. */
export function uploadPath(ref: UploadRef): string {
  return `/__sim/attachments/${ref.uploadId}/${ref.index}.png`;
}

/** A URL issued at `issuedAt` is re-issued once it has expired, as a refreshed upstream link would be. */
function fresh(issuedAt: number, now: number): number {
  return now >= issuedAt + URL_TTL_MS ? now : issuedAt;
}

/** Turns a {@link SimTask} into the flavour's JSON and issues its URLs. */
export class Renderer {
  constructor(
    private readonly flavour: MjFlavour,
    private readonly clock: SimClock,
    private readonly signer: UrlSigner,
    private readonly baseUrl: () => string
  ) {}

  /** A signed upload URL issued now (upload-discord-images results). */
  uploadUrl(ref: UploadRef, issuedAt = this.clock.now()): string {
    return this.baseUrl() + this.signer.sign(uploadPath(ref), issuedAt);
  }

  task(t: SimTask): Json {
    switch (this.flavour) {
      case 'novicezk':
        return this.javaTask(t, false);
      case 'plus':
        return this.javaTask(t, true);
      case 'trueai':
        return this.trueaiTask(t);
      case 'gateway':
        // The upstream behind the gateway is plus-like; the gateway's own copy is `gateway.ts`.
        return this.javaTask(t, true);
    }
  }

  /** properties.finalPrompt: the result text for describe and shorten once done, else MJ's echo. */
  finalPrompt(t: SimTask): string {
    if (t.status === 'SUCCESS' && t.kind === 'describe') return numbered(t.resultLines);
    if (t.status === 'SUCCESS' && t.kind === 'shorten') return shortenMarkdown(t.prompt, t.resultLines);
    return t.finalPrompt;
  }

  /** properties.finalZhPrompt (plus, and new-api relaying it): the result text's Chinese twin, else the echo. */
  finalZhPrompt(t: SimTask): string {
    const text = this.finalPrompt(t);
    return t.status === 'SUCCESS' && (t.kind === 'describe' || t.kind === 'shorten') ? chineseTwin(text) : text;
  }

  /** The imageUrl: final image on SUCCESS, a preview while running, the input for describe. */
  imageUrl(t: SimTask): string | null {
    const now = this.clock.now();
    if (t.kind === 'describe') {
      if (t.inputLink) return t.inputLink;
      if (!t.inputUpload) return null;
      t.imageIssuedAt = fresh(t.imageIssuedAt ?? t.submitTime, now);
      return this.baseUrl() + this.signer.sign(uploadPath(t.inputUpload), t.imageIssuedAt);
    }
    if (t.kind === 'shorten') return null;
    if (t.status === 'SUCCESS' && (t.kind === 'video' || t.kind === 'video-upscale')) {
      return this.flavour === 'trueai' ? this.videoUrls(t)[0] : this.thumbUrl(t, 0);
    }
    if (t.status === 'SUCCESS' && t.imageIssuedAt != null) {
      t.imageIssuedAt = fresh(t.imageIssuedAt, now);
      const file = t.kind === 'grid' ? `grid_${t.hash}.png` : `upscale_${t.hash}.png`;
      return this.baseUrl() + this.signer.sign(imagePath(t.id, file), t.imageIssuedAt);
    }
    if (t.preview) {
      t.preview.at = fresh(t.preview.at, now);
      return this.baseUrl() + this.signer.sign(imagePath(t.id, `preview_${t.preview.pct}_${t.hash}.png`), t.preview.at);
    }
    return null;
  }

  private thumbUrl(t: SimTask, i: number): string {
    return `${this.baseUrl()}${imagePath(t.id, `0_${i}.png`)}`;
  }

  /** cdn.midjourney.com-style links: `…/<id>/0_<i>.mp4`, no expiry. */
  private videoUrls(t: SimTask): string[] {
    const n = t.kind === 'video' ? t.batch : 1;
    return Array.from({ length: n }, (_, i) => `${this.baseUrl()}/__sim/video/${t.id}/0_${i}.mp4`);
  }

  /** T's imageUrls: one per grid image (official CDN form), mirrored mp4s for video. */
  private imageUrls(t: SimTask): { url: string; thumbnail?: string }[] {
    if (t.status !== 'SUCCESS') return [];
    if (t.kind === 'video' || t.kind === 'video-upscale') {
      return this.videoUrls(t).map((url, i) => ({ url, thumbnail: this.thumbUrl(t, i) }));
    }
    const n = t.kind === 'grid' ? 4 : t.kind === 'upscale' || t.kind === 'upscale-hd' ? 1 : 0;
    return Array.from({ length: n }, (_, i) => ({ url: this.thumbUrl(t, i), thumbnail: this.thumbUrl(t, i) }));
  }

  private started(t: SimTask): boolean {
    return t.preview != null || t.status === 'SUCCESS';
  }

  private messageContent(t: SimTask): string {
    const speed = { FAST: 'fast', RELAX: 'relaxed', TURBO: 'turbo' }[t.mode];
    const pct = t.status === 'IN_PROGRESS' ? `(${t.progress}) ` : '';
    return `**${t.finalPrompt}** - <@1234567890123456789> ${pct}(${speed})`;
  }

  private javaTask(t: SimTask, plus: boolean): Json {
    const properties: Json = {
      notifyHook: t.notifyHook,
      discordInstanceId: t.account,
      flags: 0,
      nonce: t.nonce,
      finalPrompt: this.finalPrompt(t),
      ...(this.started(t) ? { messageId: t.messageId, messageHash: t.hash, progressMessageId: t.messageId } : {}),
      ...(plus ? { finalZhPrompt: this.finalZhPrompt(t) } : {}),
      ...t.extraProps,
    };
    const out: Json = {
      id: t.id,
      action: t.action,
      status: t.status,
      prompt: t.prompt,
      promptEn: t.promptEn,
      description: t.description,
      state: t.state,
      submitTime: t.submitTime,
      startTime: t.startTime,
      finishTime: t.finishTime,
      imageUrl: this.imageUrl(t),
      progress: t.progress,
      failReason: t.failReason,
      properties,
    };
    if (plus) out.buttons = t.status === 'SUCCESS' ? t.buttons : [];
    return out;
  }

  private trueaiTask(t: SimTask): Json {
    const success = t.status === 'SUCCESS';
    const video = success && (t.kind === 'video' || t.kind === 'video-upscale') ? this.videoUrls(t) : [];
    const finalPrompt = this.finalPrompt(t);
    return {
      id: t.id,
      parentId: t.parentId,
      botType: t.botType,
      action: t.action,
      status: t.status,
      prompt: t.prompt,
      promptEn: success && t.kind === 'describe' ? t.resultLines.join('\r\n') : t.promptEn,
      description: t.description || (success ? 'Submit success' : ''),
      state: t.state ?? (success ? '' : null),
      submitTime: t.submitTime,
      startTime: t.startTime,
      finishTime: t.finishTime,
      progress: t.progress,
      imageUrl: this.imageUrl(t),
      imageUrls: this.imageUrls(t),
      videoUrl: video[0] ?? null,
      videoUrls: video.map((url) => ({ url })),
      failReason: success ? '' : t.failReason,
      buttons: success ? t.buttons : [],
      mode: this.started(t) ? t.mode : null,
      requestMode: t.requestMode,
      jobId: this.started(t) ? t.hash : null,
      messageId: this.started(t) ? t.messageId : null,
      nonce: t.nonce,
      instanceId: t.account,
      version: t.version.label,
      seed: null,
      width: success ? (t.kind === 'grid' ? 2048 : 1024) : null,
      height: success ? (t.kind === 'grid' ? 2048 : 1024) : null,
      isCompleted: success || t.status === 'FAILURE',
      properties: {
        finalPrompt,
        notifyHook: t.notifyHook,
        discordInstanceId: t.account,
        discordChannelId: t.account,
        botType: t.botType,
        nonce: t.nonce,
        ...(this.started(t)
          ? { messageHash: t.hash, messageId: t.messageId, messageContent: this.messageContent(t), flags: 0 }
          : {}),
        ...t.extraProps,
      },
    };
  }
}
