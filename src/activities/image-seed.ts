/**
 * The seed of a successful task's image (`GET /task/{id}/image-seed`), read once after SUCCESS for the job's
 * provenance. It costs nothing: the proxy asks MidJourney for the seed of a message that already exists (a reaction
 * on the finished message, answered by a direct message), no new job is created and no GPU time is used. It is
 * asked only where the owner's flavour has the endpoint (plus, trueai, gateways) and the configuration allows
 * (`MJ_IMAGE_SEED`, an upstream's `imageSeed`), and it never fails the job: an upstream that cannot say gives `{}`.
 */
import type { MjClient, MjRequestOptions } from '../mj';
import type { OwnedTask } from '../shared/job-activities';
import type { ActivityLogger, Redactor } from './failures';

export interface SeedDeps {
  /** Whether to ask this upstream (undefined: the single one). @default every upstream */
  wanted?: (upstreamId: string | undefined) => boolean;
  log: ActivityLogger;
  redact: Redactor;
}

export async function readImageSeed(
  owner: MjClient,
  input: OwnedTask,
  deps: SeedDeps,
  opts: MjRequestOptions
): Promise<{ seed?: string }> {
  if (!owner.supports('image-seed') || !(deps.wanted?.(input.upstreamId) ?? true)) return {};
  try {
    return { seed: await owner.getImageSeed(input.taskId, opts) };
  } catch (err) {
    deps.log.warn('image seed not read', { taskId: input.taskId, error: deps.redact(String(err)) });
    return {};
  }
}
