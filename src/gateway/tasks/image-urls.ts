/**
 * Signed paths of what `GET /mj/image/<id>[/<n>]` and `GET /mj/upload/<grant>.<ext>` serve: a task's stored images
 * and stored inputs (uploads, base64 reference images). An `<img>` tag sends no API key, so the URL carries a grant
 * sealed with a key derived from the deployment secret: the tenant, the subject (a task's images or one input's
 * asset key), an expiry and the tenant's key generation (how many of its keys were ever revoked). Revoking any of
 * the tenant's keys, or the expiry passing, ends every URL handed out before. Nothing is stored per URL, so the
 * grants survive restarts and work on every gateway process; workflow history holds none of them. An upload's URL
 * names no content hash (the asset key sits inside the sealed grant).
 *
 * Only the path is signed: callers put it behind the absolute base URL they answer with.
 */
import { createHmac } from 'node:crypto';
import { Sealer } from '../sealed';
import type { ImageUrls } from './task-view';

/** What a signed URL grants. */
export interface UrlGrant {
  tenant: string;
  /** `image/<taskId>` (a task's images) or an input's asset key (`inputs/…`). */
  subject: string;
  /** Epoch seconds after which the URL is refused. */
  exp: number;
  /** The tenant's key generation when the URL was made (see {@link TenantDirectory.keyGeneration}). */
  gen: number;
}

/** Expiries are rounded up to a step (at most an hour, a 24th of the lifetime) so a URL stays the same meanwhile. */
const MAX_EXPIRY_STEP_S = 3600;

/** The asset keys an upload URL may name: stored inputs, nothing else of the store. */
export const UPLOAD_KEY_RE = /^inputs\/[0-9a-f]{64}\.([a-z0-9]{2,5})$/;

const taskSubject = (taskId: string) => `image/${taskId}`;

export class UrlSigner {
  private readonly sealer: Sealer;
  private readonly stepS: number;

  /** @param opts.ttlMs how long a URL works after it is made (rounded up by at most an hour). */
  constructor(
    deploymentSecret: string,
    private readonly opts: { ttlMs: number; now?: () => number }
  ) {
    this.sealer = new Sealer(createHmac('sha256', deploymentSecret).update('url-grant').digest(), {
      deterministic: true,
    });
    this.stepS = Math.max(1, Math.min(MAX_EXPIRY_STEP_S, Math.floor(opts.ttlMs / 1000 / 24)));
  }

  /** Seconds since the epoch. */
  nowS(): number {
    return Math.floor((this.opts.now ?? Date.now)() / 1000);
  }

  private seal(tenant: string, gen: number, subject: string): string {
    const exp = Math.ceil((this.nowS() + this.opts.ttlMs / 1000) / this.stepS) * this.stepS;
    return this.sealer.seal([tenant, subject, exp, gen]);
  }

  /** The grant sealed in `text` if it is ours and not expired (the key generation is the caller's to check). */
  open(text: string | undefined): UrlGrant | undefined {
    const v = this.sealer.open(text);
    if (!Array.isArray(v) || v.length !== 4) return undefined;
    const [tenant, subject, exp, gen] = v as unknown[];
    if (typeof tenant !== 'string' || typeof subject !== 'string') return undefined;
    if (typeof exp !== 'number' || typeof gen !== 'number' || exp <= this.nowS()) return undefined;
    return { tenant, subject, exp, gen };
  }

  /** `/mj/image/<taskId>[/<index>]?t=<grant>` (index 0 = the whole image, 1–4 = grid quadrants). */
  imagePath(tenant: string, gen: number, taskId: string, index: number): string {
    return `/mj/image/${taskId}${index === 0 ? '' : `/${index}`}?t=${this.seal(tenant, gen, taskSubject(taskId))}`;
  }

  /** The grant of `token` when it names `taskId`'s images. */
  openImage(token: string | undefined, taskId: string): UrlGrant | undefined {
    const g = this.open(token);
    return g?.subject === taskSubject(taskId) ? g : undefined;
  }

  /** `/mj/upload/<grant>.<ext>` of a stored input (`inputs/<sha256>.<ext>`). */
  uploadPath(tenant: string, gen: number, key: string): string {
    const m = UPLOAD_KEY_RE.exec(key);
    if (!m) throw new TypeError('an upload URL names a stored input (inputs/<sha256>.<ext>)');
    return `/mj/upload/${this.seal(tenant, gen, key)}.${m[1]}`;
  }

  /** The grant of an upload URL's last segment (`<grant>.<ext>`) when it names a stored input. */
  openUpload(name: string): UrlGrant | undefined {
    const dot = name.lastIndexOf('.');
    const g = this.open(dot < 0 ? name : name.slice(0, dot));
    return g && UPLOAD_KEY_RE.test(g.subject) ? g : undefined;
  }
}

/** Absolute URLs of a task's stored images for one tenant at its current key generation. */
export function imageUrls(baseUrl: string, signer: UrlSigner, tenant: string, gen: number): ImageUrls {
  return { stored: (taskId, index) => `${baseUrl}${signer.imagePath(tenant, gen, taskId, index)}` };
}
