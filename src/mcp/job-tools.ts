/**
 * The tools that start a job, each as the tenant through the console's backend (the same starts, metering and
 * tenancy as the console's forms). Images given as data URLs are decoded here, so only bytes or http(s) URLs reach
 * the job client (which would read a bare string as a file path of this machine).
 */
import { dataUrlToBytes } from '../assets/data-url';
import type { ConsoleButton, ConsoleJob, TenantId } from '../console/backend';
import type { TemporalConsoleBackend } from '../console/temporal-backend';
import { formatIntent, parseIntent } from '../mj/buttons';
import { MjInputError } from '../mj/errors';
import { modalAnswer } from './modal-input';
import { parseToolArgs, type JOB_TOOLS, type ToolArgs } from './tools';

export type JobToolName = (typeof JOB_TOOLS)[number];

function image(ref: string): Uint8Array | string {
  return ref.startsWith('data:') ? dataUrlToBytes(ref) : ref;
}

/** The job's button a press names: by label (case-insensitive), else by intent ("U2", "upscale" with image 2, …). */
export function findPressed(job: ConsoleJob, button: string, index?: number): ConsoleButton {
  const text = button.trim();
  const byLabel = job.buttons.find((b) => (b.label || b.emoji).trim().toLowerCase() === text.toLowerCase());
  if (byLabel && index === undefined) return byLabel;
  let intent: string;
  try {
    intent = formatIntent(parseIntent(index === undefined ? text : `${text} ${index}`));
  } catch {
    intent = '';
  }
  const found = job.buttons.find((b) => b.intent !== null && b.intent === intent);
  if (found) return found;
  const offered = job.buttons.map((b) => b.label || b.emoji).join(', ') || 'none';
  throw new MjInputError('button', `must be one of the job's buttons (offered: ${offered})`);
}

/** Starts the tool's job; resolves to its id (the MCP task id). Bad arguments throw `MjInputError`. */
export async function startJobTool(
  backend: TemporalConsoleBackend,
  tenant: TenantId,
  name: JobToolName,
  raw: unknown,
  client: { canElicit: boolean }
): Promise<string> {
  switch (name) {
    case 'imagine': {
      const a: ToolArgs<'imagine'> = parseToolArgs('imagine', raw);
      const images = a.images?.map(image);
      return backend.startAs(tenant, images ?? [], (mj, d) => mj.imagine(a.prompt, { ...d, mode: a.mode, images }));
    }
    case 'press': {
      const a = parseToolArgs('press', raw);
      const job = await backend.getJob(tenant, a.job);
      if (!job || job.kind !== 'job') throw new MjInputError('job', `must name one of your jobs (no job ${a.job})`);
      const pressed = findPressed(job, a.button, a.image);
      const input = modalAnswer(a.prompt, a.mask);
      // A client that cannot be asked later must give what the button needs now, or its job would wait for nothing.
      const missing = pressed.needs.find((n) => input[n] === undefined);
      if (missing && !client.canElicit) {
        throw new MjInputError(
          missing,
          `is required for ${pressed.intent ?? pressed.label} (this client takes no elicitation)`
        );
      }
      return backend.action(tenant, job.id, pressed.customId, input.prompt || input.mask ? input : undefined);
    }
    case 'blend': {
      const a = parseToolArgs('blend', raw);
      const images = a.images.map(image);
      return backend.startAs(tenant, images, (mj, d) =>
        mj.blend(images, { ...d, mode: a.mode, dimensions: a.dimensions })
      );
    }
    case 'describe': {
      const a = parseToolArgs('describe', raw);
      const img = image(a.image);
      return backend.startAs(tenant, [img], (mj, d) => mj.describe(img, { ...d, mode: a.mode }));
    }
    case 'shorten': {
      const a = parseToolArgs('shorten', raw);
      return backend.startAs(tenant, [], (mj, d) => mj.shorten(a.prompt, { ...d, mode: a.mode }));
    }
    case 'video': {
      const a = parseToolArgs('video', raw);
      const start = a.image === undefined ? undefined : image(a.image);
      const end = a.endImage === undefined ? undefined : image(a.endImage);
      return backend.startAs(tenant, [start, end], (mj, d) =>
        mj.video(a.prompt, {
          ...d,
          mode: a.mode,
          image: start,
          endImage: end,
          motion: a.motion,
          loop: a.loop,
          batchSize: a.batchSize,
        })
      );
    }
  }
}
