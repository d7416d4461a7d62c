/**
 * A job as MCP shows it: the task (the job is the task, its id the task id), and the tool result (text an LLM reads,
 * the image itself, resource links to our stored copies, and the same facts as structured content). Images are read
 * through `resources/read` at `mj-job://<job id>/image/<n>` (0 = the whole image or grid, 1–4 = its quadrants).
 */
import type { CallToolResult, Task } from '@modelcontextprotocol/sdk/types.js';
import type { ConsoleBackend, ConsoleJob, TenantId } from '../console/backend';

/** How often a client should ask `tasks/get`. @unit ms */
export const TASK_POLL_INTERVAL_MS = 1000;

const STATUS_OF: Record<ConsoleJob['state'], Task['status']> = {
  queued: 'working',
  running: 'working',
  waiting: 'input_required',
  succeeded: 'completed',
  failed: 'failed',
  cancelled: 'cancelled',
};

const IMAGE_URI_RE = /^mj-job:\/\/([^/]+)\/image\/([0-4])$/;

export function imageUri(jobId: string, index: number): string {
  return `mj-job://${encodeURIComponent(jobId)}/image/${index}`;
}

/** The job id and image index a resource URI names, or undefined. */
export function parseImageUri(uri: string): { jobId: string; index: number } | undefined {
  const m = IMAGE_URI_RE.exec(uri);
  if (!m) return undefined;
  try {
    return { jobId: decodeURIComponent(m[1]!), index: Number(m[2]) };
  } catch {
    return undefined;
  }
}

function statusMessage(job: ConsoleJob): string {
  if (job.state === 'waiting') return `waiting for ${job.waitingFor?.needs.join(' and ') || 'input'}`;
  if (job.failure) return job.failure;
  const pct = job.progressPct === null ? '' : ` ${job.progressPct}%`;
  return `${job.state}${pct}${job.status ? ` (${job.status})` : ''}`;
}

export function taskOf(job: ConsoleJob): Task {
  const last = job.finishTime ?? job.startTime ?? job.submitTime;
  return {
    taskId: job.id,
    status: STATUS_OF[job.state],
    statusMessage: statusMessage(job),
    createdAt: new Date(job.submitTime).toISOString(),
    lastUpdatedAt: new Date(last).toISOString(),
    ttl: null,
    pollInterval: TASK_POLL_INTERVAL_MS,
  };
}

/** The task of a job just started, before its view can be read. */
export function startedTask(jobId: string, now = new Date()): Task {
  const at = now.toISOString();
  return {
    taskId: jobId,
    status: 'working',
    createdAt: at,
    lastUpdatedAt: at,
    ttl: null,
    pollInterval: TASK_POLL_INTERVAL_MS,
  };
}

/** The facts of a job a model can act on. */
export function jobFacts(job: ConsoleJob) {
  return {
    jobId: job.id,
    state: job.state,
    ...(job.status ? { status: job.status } : {}),
    progressPct: job.progressPct,
    ...(job.prompt ? { prompt: job.prompt } : {}),
    ...(job.intent ? { intent: job.intent } : {}),
    ...(job.resultText ? { resultText: job.resultText } : {}),
    ...(job.failure ? { failure: job.failure } : {}),
    ...(job.waitingFor ? { waitingFor: job.waitingFor.needs } : {}),
    buttons: job.buttons.map((b) => ({ label: b.label || b.emoji, intent: b.intent, needs: b.needs })),
    images: job.images.map((i) => imageUri(job.id, i)),
  };
}

function summary(job: ConsoleJob): string {
  const f = jobFacts(job);
  const lines = [`Job ${job.id}: ${statusMessage(job)}.`];
  if (f.prompt) lines.push(`Prompt: ${f.prompt}`);
  if (f.resultText) lines.push(`Result: ${f.resultText}`);
  if (f.buttons.length)
    lines.push(
      `Buttons (press tool): ${f.buttons.map((b) => (b.intent ? `${b.label} [${b.intent}]` : b.label)).join(', ')}`
    );
  if (!isDone(job)) lines.push('Still going: call the status tool with this job id, or tasks/get with it as task id.');
  return lines.join('\n');
}

function isDone(job: ConsoleJob): boolean {
  return job.state === 'succeeded' || job.state === 'failed' || job.state === 'cancelled';
}

/**
 * The tool result of a job as it is now: text, the whole image (embedded) once there is one, and resource links to
 * every stored image. A failed or cancelled job is an error result.
 */
export async function jobResult(backend: ConsoleBackend, tenant: TenantId, job: ConsoleJob): Promise<CallToolResult> {
  const content: CallToolResult['content'] = [{ type: 'text', text: summary(job) }];
  if (job.state === 'succeeded' && job.images.includes(0)) {
    const img = await backend.image(tenant, job.id, 0);
    if (img)
      content.push({ type: 'image', data: Buffer.from(img.bytes).toString('base64'), mimeType: img.contentType });
  }
  for (const index of job.images) {
    content.push({
      type: 'resource_link',
      uri: imageUri(job.id, index),
      name: index === 0 ? `${job.id} image` : `${job.id} image ${index}`,
    });
  }
  return {
    content,
    structuredContent: jobFacts(job),
    ...(job.state === 'failed' || job.state === 'cancelled' ? { isError: true } : {}),
  };
}
