/**
 * `npm run cli -- <command>`: start, watch and manage MidJourney jobs from a shell.
 *
 * Human output by default; `--json` prints exactly one JSON document on stdout (`{ "ok": true, … }` or
 * `{ "ok": false, "error": { "code", "message", "field"?, "rule"? } }`) for scripts. Exit codes: see `exit-codes.ts`
 * (0 ok, 1 job failed, 2 bad input, 3 not found, 4 Temporal unreachable, 130 interrupted).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  Connection,
  defaultGrpcRetryOptions,
  makeGrpcRetryInterceptor,
  ScheduleOverlapPolicy,
  type Client,
} from '@temporalio/client';
import { Command, CommanderError, Option } from 'commander';
import { request } from 'undici';
import { MjJobsClient, type JobHandle, type JobStatus, type StartOptions } from '../client';
import { loadConfig, redactConfig, type Config } from '../config';
import { formatIntent } from '../mj/buttons';
import type { SpeedMode } from '../mj/types';
import { parseBatchSpec } from '../pipeline/batch';
import { WORKFLOW_ID_PREFIX } from '../shared/constants';
import type { BatchReport, PipelineResult } from '../shared/pipeline-types';
import { MJ_MODE } from '../shared/search-attributes';
import type { CapturedImage, ImageRef, JobProgress, JobResult } from '../shared/types';
import { batchWorkflow } from '../workflows';
import { CliInputError, CliNotFoundError, describeError, EXIT, exitCodeFor } from './exit-codes';
import { LiveView, rowsFor } from './progress';

export { EXIT } from './exit-codes';

interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WriteStream;
}

const POLL_MS = 1_000;
const MODES = ['FAST', 'RELAX', 'TURBO'] as const;

/** Per-invocation state: lazily loaded config and client, and the output mode. */
class Session {
  json = false;
  private config?: Config;
  private jobs?: MjJobsClient;
  private connection?: Connection;

  constructor(
    readonly io: Io,
    private readonly env: NodeJS.ProcessEnv
  ) {}

  getConfig(): Config {
    this.config ??= loadConfig(this.env);
    return this.config;
  }

  /**
   * Connects lazily: input is validated before the first call needs the server. A person waits at the prompt, so
   * an unreachable server is reported after a few quick retries rather than the SDK's default of about 20 s.
   */
  async client(): Promise<MjJobsClient> {
    if (!this.jobs) {
      const config = this.getConfig();
      this.connection = Connection.lazy({
        ...config.temporal.connectionOptions,
        connectTimeout: '5s',
        interceptors: [makeGrpcRetryInterceptor(defaultGrpcRetryOptions({ maxAttempts: 4 }))],
      });
      this.jobs = await MjJobsClient.connect({ config, connection: this.connection });
    }
    return this.jobs;
  }

  async close(): Promise<void> {
    await this.connection?.close();
  }

  /** One JSON document, or the human text. */
  print(doc: Record<string, unknown>, human: () => string): void {
    if (this.json) this.io.stdout.write(`${JSON.stringify({ ok: true, ...doc }, null, 2)}\n`);
    else this.io.stdout.write(`${human()}\n`);
  }

  info(text: string): void {
    if (!this.json) this.io.stderr.write(`${text}\n`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Helpers

async function readInputFile(file: string, field: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new CliNotFoundError(`${field}: no such file: ${file}`);
    throw new CliInputError(field, `must be a readable file (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

async function readJsonFile(file: string, field: string): Promise<unknown> {
  const text = await readInputFile(file, field);
  try {
    return JSON.parse(text);
  } catch {
    throw new CliInputError(field, 'must contain valid JSON');
  }
}

function parseMode(v: string): SpeedMode {
  const m = v.toUpperCase();
  if (!(MODES as readonly string[]).includes(m))
    throw new CliInputError('--mode', `must be one of ${MODES.join(', ')}`);
  return m as SpeedMode;
}

function parsePositiveInt(name: string) {
  return (v: string): number => {
    if (!/^\d+$/.test(v) || Number(v) < 1) throw new CliInputError(name, 'must be a positive integer');
    return Number(v);
  };
}

interface StartFlags {
  id?: string;
  mode?: SpeedMode;
  account?: string;
  capture?: boolean;
  wait?: boolean;
}

function startOptions(f: StartFlags): StartOptions {
  return { jobId: f.id, mode: f.mode, account: f.account, captureImages: f.capture === false ? false : undefined };
}

function withStartFlags(cmd: Command): Command {
  return cmd
    .option('--id <jobId>', 'your own job id (idempotency key): the same id returns the same job')
    .option('--mode <mode>', 'FAST, RELAX or TURBO', parseMode)
    .option('--account <account>', 'account key for slot accounting')
    .option('--no-capture', 'do not copy result images into the asset store')
    .option('--wait', 'wait for the result (live progress on stderr)');
}

function describeResult(jobId: string, r: JobResult): string {
  const lines = [`${jobId}: ${r.task.status} (${r.task.action}, task ${r.taskId})`];
  if (r.task.finalPrompt && /DESCRIBE|SHORTEN/.test(r.task.action)) lines.push(`  text: ${r.task.finalPrompt}`);
  if (r.task.imageUrl) lines.push(`  image: ${r.task.imageUrl}`);
  if (r.task.videoUrl) lines.push(`  video: ${r.task.videoUrl}`);
  if (r.images.length > 0) lines.push(`  stored: ${r.images.length} file(s), e.g. ${r.images[0]!.asset.key}`);
  const buttons = [
    ...new Set(r.task.buttons.filter((b) => b.intent.kind !== 'unknown').map((b) => formatIntent(b.intent))),
  ];
  if (buttons.length > 0) lines.push(`  next: npm run cli -- action ${jobId} <${buttons.join('|')}>`);
  return lines.join('\n');
}

function describeStatus(s: JobStatus): string {
  const rows = rowsFor(s);
  const head = `${s.jobId} (${s.kind}) ${s.executionStatus}`;
  const body = rows.map((r) => `  ${r.label}: ${r.state}${r.pct === null ? '' : ` ${Math.round(r.pct)}%`}`);
  if (s.kind === 'job' && s.progress.waitingFor) {
    body.push(
      `  waiting for ${s.progress.waitingFor.needs.join(' + ')}: npm run cli -- modal ${s.jobId} --prompt … --mask mask.png`
    );
  }
  if (s.kind === 'pipeline' && s.progress.waiting.length > 0) {
    body.push(
      `  waiting for input: ${s.progress.waiting.join(', ')} (npm run cli -- modal ${s.jobId} --step <step> --branch <branch> …)`
    );
  }
  return [head, ...body].join('\n');
}

/** Live progress of running children (pipeline branches, batch items), best effort. */
async function childProgress(jobs: MjJobsClient, s: JobStatus): Promise<Map<string, JobProgress>> {
  const ids =
    s.kind === 'pipeline'
      ? s.progress.steps.flatMap((st) => st.branches.filter((b) => b.status === 'running').map((b) => b.jobId))
      : s.kind === 'batch'
        ? s.progress.items.filter((i) => i.status === 'running').map((i) => i.jobId)
        : [];
  const out = new Map<string, JobProgress>();
  await Promise.all(
    ids.slice(0, 20).map(async (id) => {
      const p = await jobs.progress(id).catch(() => undefined);
      if (p) out.set(id, p);
    })
  );
  return out;
}

/** Polls and draws until the workflow closes; returns the last status. */
async function watchUntilDone(session: Session, jobId: string): Promise<JobStatus> {
  const jobs = await session.client();
  const view = session.json ? undefined : new LiveView(session.io.stderr);
  for (;;) {
    const s = await jobs.status(jobId);
    view?.render(rowsFor(s, await childProgress(jobs, s)));
    if (s.executionStatus !== 'RUNNING') return s;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** Prints the handle, or waits for and prints the result. */
async function report<R>(session: Session, handle: JobHandle<R>, wait: boolean | undefined, human: (r: R) => string) {
  const head = { jobId: handle.jobId, alreadyStarted: handle.alreadyStarted };
  if (!wait) {
    session.print(head, () =>
      [
        `${handle.alreadyStarted ? 'already started' : 'started'}: ${handle.jobId}`,
        `  watch:  npm run cli -- watch ${handle.jobId}`,
        `  result: npm run cli -- status ${handle.jobId}`,
      ].join('\n')
    );
    return;
  }
  session.info(`${handle.alreadyStarted ? 'already started' : 'started'}: ${handle.jobId}`);
  if (!session.json) await watchUntilDone(session, handle.jobId);
  const result = await handle.result();
  session.print({ ...head, result }, () => human(result));
}

function describePipeline(r: PipelineResult): string {
  const lines = [`pipeline ${r.name} (${r.pipelineId}): ${r.summary.succeeded}/${r.summary.total} succeeded`];
  for (const o of r.outcomes) {
    lines.push(
      `  ${o.step}/${o.branch}: ${o.status}${o.failure ? ` (${o.failure.type})` : ''}${o.result?.imageUrl ? ` ${o.result.imageUrl}` : ''}`
    );
  }
  return lines.join('\n');
}

function describeBatch(r: BatchReport): string {
  const s = r.summary;
  return [`batch ${r.batchId}: ${s.succeeded}/${s.total} succeeded, ${s.failed} failed, ${s.cancelled} cancelled`]
    .concat(r.items.map((i) => `  ${i.id}: ${i.status}${i.failure ? ` (${i.failure.type})` : ''}`))
    .join('\n');
}

async function loadBatch(file: string, opts: { mode?: SpeedMode; concurrency?: number; name?: string }) {
  const text = await readInputFile(file, 'prompt-file');
  if (file.endsWith('.json')) {
    try {
      return { spec: JSON.parse(text) as unknown, opts };
    } catch {
      throw new CliInputError('prompt-file', 'must contain valid JSON');
    }
  }
  return { spec: text, opts };
}

/** Image files of a finished job, pipeline or batch: stored assets first, else the result URLs. */
function imagesOf(result: unknown): { name: string; ref: ImageRef }[] {
  const out: { name: string; ref: ImageRef }[] = [];
  const fromJob = (prefix: string, images: CapturedImage[], imageUrl: string | null | undefined) => {
    if (images.length > 0)
      for (const img of images) out.push({ name: `${prefix}-${img.index}`, ref: { asset: img.asset } });
    else if (imageUrl) out.push({ name: `${prefix}-0`, ref: { url: imageUrl } });
  };
  const r = result as Record<string, unknown>;
  if (Array.isArray(r.outcomes)) {
    for (const o of (result as PipelineResult).outcomes) {
      if (o.result) fromJob(`${o.step}-${o.branch}`, o.result.images, o.result.imageUrl);
    }
  } else if (Array.isArray(r.items)) {
    for (const item of (result as BatchReport).items)
      item.images.forEach((ref, i) => out.push({ name: `${item.id}-${i}`, ref }));
  } else if (r.task) {
    const job = result as JobResult;
    fromJob('image', job.images, job.task.imageUrl);
  }
  return out;
}

const EXT: Record<string, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/webp': 'webp',
  'image/gif': 'gif',
};

// ---------------------------------------------------------------------------------------------------------------
// Program

export function buildProgram(session: Session): Command {
  const program = new Command('mj')
    .description('Durable MidJourney jobs on Temporal')
    .option('--json', 'print one JSON document on stdout (for scripts)')
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: (s) => session.io.stdout.write(s), writeErr: (s) => session.io.stderr.write(s) })
    .hook('preAction', (_this, cmd) => {
      session.json = Boolean(cmd.optsWithGlobals().json);
    });

  withStartFlags(
    program
      .command('imagine')
      .description('start an imagine job')
      .argument('<prompt...>', 'the prompt (quote it, or pass it as words)')
      .option('--image <urlOrFile...>', 'reference images (http(s) URLs or files)')
  ).action(async (words: string[], f: StartFlags & { image?: string[] }) => {
    const jobs = await session.client();
    const h = await jobs.imagine(words.join(' '), { ...startOptions(f), images: f.image });
    await report(session, h, f.wait, (r) => describeResult(h.jobId, r));
  });

  withStartFlags(
    program
      .command('action')
      .description('press a button of a finished job: U2, V1, zoom-out 2, pan left, vary-region, …')
      .argument('<jobId>', 'a job id, or an upstream task id')
      .argument('<intent...>', 'the intent')
      .option('--prompt <prompt>', 'modal prompt known in advance (custom-zoom, vary-region, remix)')
      .option('--mask <file>', 'vary-region mask (PNG, white = repaint)')
      .option('--remix', 'enable remix')
  ).action(
    async (jobId: string, intent: string[], f: StartFlags & { prompt?: string; mask?: string; remix?: boolean }) => {
      const jobs = await session.client();
      const modal = f.prompt !== undefined || f.mask !== undefined ? { prompt: f.prompt, mask: f.mask } : undefined;
      const h = await jobs.action(jobId, intent.join(' '), { ...startOptions(f), enableRemix: f.remix, modal });
      await report(session, h, f.wait, (r) => describeResult(h.jobId, r));
    }
  );

  program
    .command('modal')
    .description('give a job parked in MODAL (or a waiting pipeline step) its input')
    .argument('<jobId>')
    .option('--prompt <prompt>', 'the prompt')
    .option('--mask <file>', 'mask PNG for vary-region (stored first; only a reference is sent)')
    .option('--step <step>', 'pipeline step waiting for input')
    .option('--branch <branch>', 'branch of that step (when several wait)')
    .option('--choice <choice>', 'pick-step choice (U2, V1, …) or prompt number')
    .action(
      async (jobId: string, f: { prompt?: string; mask?: string; step?: string; branch?: string; choice?: string }) => {
        if ((f.branch !== undefined || f.choice !== undefined) && f.step === undefined) {
          throw new CliInputError('--step', 'is required with --branch or --choice');
        }
        const jobs = await session.client();
        const ack = await jobs.provideModalInput(
          jobId,
          { prompt: f.prompt, mask: f.mask },
          { step: f.step, branch: f.branch, choice: f.choice }
        );
        session.print({ jobId, ack }, () => `input accepted by ${jobId}${f.step ? ` (step ${f.step})` : ''}`);
      }
    );

  program
    .command('pipeline')
    .description('start a pipeline from a JSON file')
    .argument('<file>')
    .option('--id <pipelineId>', 'your own pipeline id (idempotency key)')
    .option('--wait', 'wait for the result')
    .action(async (file: string, f: { id?: string; wait?: boolean }) => {
      const spec = await readJsonFile(file, 'file');
      const jobs = await session.client();
      const h = await jobs.pipeline(spec, { jobId: f.id });
      await report(session, h, f.wait, describePipeline);
    });

  withStartFlags(
    program
      .command('blend')
      .description('blend 2-5 images')
      .argument('<images...>', 'http(s) URLs or files')
      .addOption(new Option('--dimensions <d>', 'output shape').choices(['PORTRAIT', 'SQUARE', 'LANDSCAPE']))
  ).action(async (images: string[], f: StartFlags & { dimensions?: 'PORTRAIT' | 'SQUARE' | 'LANDSCAPE' }) => {
    const jobs = await session.client();
    const h = await jobs.blend(images, { ...startOptions(f), dimensions: f.dimensions });
    await report(session, h, f.wait, (r) => describeResult(h.jobId, r));
  });

  withStartFlags(
    program.command('describe').description('describe an image').argument('<image>', 'URL or file')
  ).action(async (image: string, f: StartFlags) => {
    const jobs = await session.client();
    const h = await jobs.describe(image, startOptions(f));
    await report(session, h, f.wait, (r) => describeResult(h.jobId, r));
  });

  withStartFlags(program.command('shorten').description('shorten a prompt').argument('<prompt...>')).action(
    async (words: string[], f: StartFlags) => {
      const jobs = await session.client();
      const h = await jobs.shorten(words.join(' '), startOptions(f));
      await report(session, h, f.wait, (r) => describeResult(h.jobId, r));
    }
  );

  program
    .command('status')
    .description("a job's, pipeline's or batch's state and progress")
    .argument('<jobId>')
    .action(async (jobId: string) => {
      const jobs = await session.client();
      const s = await jobs.status(jobId);
      session.print({ ...s }, () => describeStatus(s));
    });

  program
    .command('watch')
    .description('live progress bars until the job (every branch) is done')
    .argument('<jobId>')
    .action(async (jobId: string) => {
      const s = await watchUntilDone(session, jobId);
      session.print({ ...s }, () => describeStatus(s));
      if (s.executionStatus !== 'COMPLETED') process.exitCode = EXIT.failed;
    });

  program
    .command('list')
    .description('list jobs by search attributes')
    .option('--status <status>', 'upstream status: SUBMITTED, IN_PROGRESS, MODAL, SUCCESS, FAILURE')
    .option('--action <action>', 'upstream action: IMAGINE, UPSCALE, …')
    .option('--mode <mode>', 'FAST, RELAX or TURBO', parseMode)
    .option('--task-id <taskId>', 'upstream task id')
    .option('--running', 'only running workflows')
    .addOption(new Option('--type <type>', 'workflow kind').choices(['job', 'pipeline', 'batch']).default('job'))
    .option('--limit <n>', 'most rows', parsePositiveInt('--limit'), 50)
    .action(
      async (f: {
        status?: string;
        action?: string;
        mode?: SpeedMode;
        taskId?: string;
        running?: boolean;
        type: 'job' | 'pipeline' | 'batch';
        limit: number;
      }) => {
        const jobs = await session.client();
        const type = ({ job: 'mjJobWorkflow', pipeline: 'pipelineWorkflow', batch: 'batchWorkflow' } as const)[f.type];
        const rows = await jobs.list({
          status: f.status,
          action: f.action,
          mode: f.mode,
          taskId: f.taskId,
          executionStatus: f.running ? 'Running' : undefined,
          type,
          limit: f.limit,
        });
        session.print({ jobs: rows }, () =>
          rows.length === 0
            ? 'no jobs'
            : rows
                .map(
                  (r) =>
                    `${r.jobId}  ${r.executionStatus.padEnd(10)} ${(r.status ?? '-').padEnd(11)} ${(r.action ?? '-').padEnd(10)} ${r.mode ?? '-'}  ${r.startTime}`
                )
                .join('\n')
        );
      }
    );

  program
    .command('cancel')
    .description('cancel a job, pipeline or batch')
    .argument('<jobId>')
    .action(async (jobId: string) => {
      const jobs = await session.client();
      await jobs.cancel(jobId);
      session.print({ jobId, cancelRequested: true }, () => `cancellation requested: ${jobId}`);
    });

  program
    .command('download')
    .description("save a finished job's images (stored copies, else the result URLs)")
    .argument('<jobId>')
    .option('--out <dir>', 'target directory', '.')
    .action(async (jobId: string, f: { out: string }) => {
      const jobs = await session.client();
      const s = await jobs.status(jobId);
      if (s.executionStatus === 'RUNNING')
        throw new CliInputError('jobId', 'must name a finished job (it is still running)');
      const result = await jobs.result<unknown>(jobId);
      await mkdir(f.out, { recursive: true });
      const safe = jobId.replace(/[^\w.-]+/g, '_');
      const files: string[] = [];
      for (const { name, ref } of imagesOf(result)) {
        let bytes: Uint8Array;
        let type: string | undefined;
        if ('asset' in ref) {
          bytes = await jobs.store.get(ref.asset);
          type = ref.asset.contentType;
        } else {
          const res = await request(ref.url, { headersTimeout: 30_000, bodyTimeout: 60_000 });
          if (res.statusCode !== 200) {
            await res.body.dump();
            throw new Error(`download of ${name} failed with HTTP ${res.statusCode}`);
          }
          bytes = new Uint8Array(await res.body.arrayBuffer());
          type = String(res.headers['content-type'] ?? '').split(';')[0];
        }
        const file = path.join(f.out, `${safe}-${name}.${EXT[type ?? ''] ?? 'bin'}`);
        await writeFile(file, bytes);
        files.push(file);
      }
      session.print({ jobId, files }, () => (files.length === 0 ? `no images in ${jobId}` : files.join('\n')));
    });

  program
    .command('batch')
    .description('start a batch from a prompt file (one prompt per line, # comments) or a JSON batch spec')
    .argument('<prompt-file>')
    .option('--id <batchId>', 'your own batch id (idempotency key)')
    .option('--mode <mode>', 'FAST, RELAX or TURBO', parseMode)
    .option('--concurrency <n>', 'most jobs at once per account × mode', parsePositiveInt('--concurrency'))
    .option('--name <name>', 'batch name')
    .option('--wait', 'wait for the report')
    .action(
      async (
        file: string,
        f: { id?: string; mode?: SpeedMode; concurrency?: number; name?: string; wait?: boolean }
      ) => {
        const { spec, opts } = await loadBatch(file, { mode: f.mode, concurrency: f.concurrency, name: f.name });
        const jobs = await session.client();
        const h = await jobs.batch(spec, { ...opts, jobId: f.id });
        await report(session, h, f.wait, describeBatch);
      }
    );

  const schedule = program
    .command('schedule')
    .description('Temporal Schedules that start batches (e.g. relax jobs overnight)');
  schedule
    .command('create')
    .argument('<scheduleId>')
    .requiredOption('--cron <expr>', 'cron expression, e.g. "0 2 * * *" (02:00 daily)')
    .requiredOption('--prompt-file <file>', 'prompt file or JSON batch spec')
    .option('--mode <mode>', 'FAST, RELAX or TURBO', parseMode, 'RELAX' as SpeedMode)
    .option('--concurrency <n>', 'most jobs at once', parsePositiveInt('--concurrency'))
    .option('--timezone <tz>', 'IANA time zone of the cron expression', 'UTC')
    .option('--paused', 'create paused')
    .action(
      async (
        id: string,
        f: {
          cron: string;
          promptFile: string;
          mode: SpeedMode;
          concurrency?: number;
          timezone: string;
          paused?: boolean;
        }
      ) => {
        if (!/^[\w.-]{1,100}$/.test(id))
          throw new CliInputError('scheduleId', 'must be 1-100 characters of [A-Za-z0-9_.-]');
        if (f.cron.trim().split(/\s+/).length < 5 && !f.cron.trim().startsWith('@')) {
          throw new CliInputError('--cron', 'must be a cron expression with 5 fields (or @daily, @hourly, …)');
        }
        const { spec, opts } = await loadBatch(f.promptFile, { mode: f.mode, concurrency: f.concurrency, name: id });
        // Validated now, so a bad file fails here rather than at 2 am.
        const input = parseBatchSpec(spec, opts);
        const jobs = await session.client();
        const client: Client = jobs.client;
        await client.schedule.create({
          scheduleId: id,
          spec: { cronExpressions: [f.cron], timezone: f.timezone },
          action: {
            type: 'startWorkflow',
            workflowType: batchWorkflow,
            args: [input],
            taskQueue: jobs.taskQueue,
            // Temporal appends the scheduled time, so every run has its own id.
            workflowId: `${WORKFLOW_ID_PREFIX.batch}-${id}`,
            typedSearchAttributes: [{ key: MJ_MODE, value: input.mode ?? f.mode }],
          },
          // A batch still running when the next one is due: skip rather than pile up upstream slots.
          policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1h' },
          state: { paused: Boolean(f.paused) },
        });
        const desc = await client.schedule.getHandle(id).describe();
        const next = desc.info.nextActionTimes.map((d) => d.toISOString());
        session.print(
          { scheduleId: id, items: input.items.length, nextRuns: next },
          () => `schedule ${id} created: ${input.items.length} prompt(s), next run ${next[0] ?? '(paused)'}`
        );
      }
    );
  schedule.command('list').action(async () => {
    const jobs = await session.client();
    const rows: Record<string, unknown>[] = [];
    for await (const s of jobs.client.schedule.list()) {
      rows.push({
        scheduleId: s.scheduleId,
        cron: (s.spec as { cronExpressions?: string[] } | undefined)?.cronExpressions,
        paused: s.state.paused,
        nextRuns: s.info.nextActionTimes.map((d) => d.toISOString()),
        recentRuns: s.info.recentActions.length,
      });
    }
    session.print({ schedules: rows }, () =>
      rows.length === 0
        ? 'no schedules'
        : rows
            .map(
              (r) => `${r.scheduleId}  ${r.paused ? 'paused' : 'active'}  next ${(r.nextRuns as string[])[0] ?? '-'}`
            )
            .join('\n')
    );
  });
  schedule
    .command('delete')
    .argument('<scheduleId>')
    .action(async (id: string) => {
      const jobs = await session.client();
      await jobs.client.schedule.getHandle(id).delete();
      session.print({ scheduleId: id, deleted: true }, () => `schedule ${id} deleted`);
    });
  schedule
    .command('trigger')
    .description('run a schedule now')
    .argument('<scheduleId>')
    .action(async (id: string) => {
      const jobs = await session.client();
      await jobs.client.schedule.getHandle(id).trigger();
      session.print({ scheduleId: id, triggered: true }, () => `schedule ${id} triggered`);
    });

  program
    .command('config')
    .description('print the effective configuration (secrets redacted)')
    .action(() => {
      const c = session.getConfig();
      session.print({ config: redactConfig(c) }, () => JSON.stringify(redactConfig(c), null, 2));
    });

  return program;
}

/** Runs the CLI; resolves to the exit code. */
export async function main(
  argv: string[] = process.argv,
  env: NodeJS.ProcessEnv = process.env,
  io: Io = process
): Promise<number> {
  const session = new Session(io, env);
  session.json = argv.includes('--json');
  const program = buildProgram(session);
  const onSigint = () => {
    if (session.json) {
      io.stdout.write(`${JSON.stringify({ ok: false, error: { code: 'INTERRUPTED', message: 'interrupted' } })}\n`);
    } else {
      io.stderr.write('\ninterrupted: jobs keep running on the server (npm run cli -- watch <jobId>)\n');
    }
    process.exit(EXIT.interrupted);
  };
  process.once('SIGINT', onSigint);
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version are exits with code 0; everything else commander rejects is a usage error.
      if (err.exitCode === 0) return EXIT.ok;
      if (session.json)
        io.stdout.write(`${JSON.stringify({ ok: false, error: { code: err.code, message: err.message } })}\n`);
      return EXIT.badInput;
    }
    const code = exitCodeFor(err);
    const error = describeError(err);
    if (session.json) {
      io.stdout.write(`${JSON.stringify({ ok: false, exitCode: code, error }, null, 2)}\n`);
    } else {
      const hint = code === EXIT.unreachable ? ' (is Temporal running? `npm start`, or set TEMPORAL_ADDRESS)' : '';
      io.stderr.write(`error: ${String(error.message)}${hint}\n`);
    }
    return code;
  } finally {
    process.off('SIGINT', onSigint);
    await session.close().catch(() => undefined);
  }
}

if (require.main === module) {
  void main().then((code) => process.exit(code));
}
