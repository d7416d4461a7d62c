import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { PagedBatchOptions } from '../../client/batches';
import type { SpeedMode } from '../../mj/types';
import { formatOfFileName } from '../../pipeline/batch-file';
import { parseBatchSpec } from '../../pipeline/batch';
import { BatchSpecError } from '../../pipeline/errors';
import { manifestText } from '../../workflows/batch/manifest-lines';
import { describeEstimate, describeLiveBatch, writeManifestFiles } from '../batch-output';
import type { CliContext } from '../context';
import { readBatchFile, readInputFile, readJsonFile } from '../files';
import { parseMode, parsePositiveInt } from '../flags';
import { describeBatch, report } from '../output';

interface BatchFlags {
  id?: string;
  mode?: SpeedMode;
  concurrency?: number;
  name?: string;
  wait?: boolean;
  paged?: boolean;
  template?: string;
  quietHours?: string;
  deadline?: string;
  budget?: string;
  onBudget?: 'refuse' | 'stop';
  tenant?: string;
  chunkSize?: number;
}

/** Flags only the paged engine has: any of them (or a .jsonl/.csv file) starts the batch there. */
const PAGED_ONLY: readonly (keyof BatchFlags)[] = ['paged', 'template', 'quietHours', 'deadline', 'budget', 'onBudget'];

function withPagedFlags(cmd: Command): Command {
  return cmd
    .option('--mode <mode>', 'speed mode', parseMode)
    .option(
      '--concurrency <n>',
      'most jobs at once (inline: per account × mode; paged: the whole batch)',
      parsePositiveInt('--concurrency')
    )
    .option('--name <name>', 'batch name')
    .option('--paged', 'use the paged engine (10,000+ items, manifest, pause/resume); implied by the flags below')
    .option('--template <pipeline.json>', 'a pipeline per item; "{prompt}" in its entry prompts is the item')
    .option('--quiet-hours <windows>', 'UTC windows with no new starts, e.g. 22:00-06:00,12:00-13:00')
    .option('--deadline <time>', 'done by (HH:MM UTC or ISO time): progress says whether it is reachable')
    .option('--budget <amount>', 'most the batch may spend')
    .option('--on-budget <what>', 'estimate over the budget: refuse (default) or stop when reached')
    .option('--tenant <tenant>', 'tenant whose budgets apply')
    .option('--chunk-size <n>', 'items per chunk workflow', parsePositiveInt('--chunk-size'));
}

async function pagedOptions(file: string, f: BatchFlags): Promise<PagedBatchOptions> {
  if (f.onBudget !== undefined && f.onBudget !== 'refuse' && f.onBudget !== 'stop') {
    throw new BatchSpecError([{ path: '--on-budget', rule: 'schema', message: 'must be refuse or stop' }]);
  }
  const budget = f.budget === undefined ? undefined : Number(f.budget);
  if (budget !== undefined && !(budget >= 0)) {
    throw new BatchSpecError([{ path: '--budget', rule: 'schema', message: 'must be a number >= 0' }]);
  }
  return {
    format: formatOfFileName(file),
    ...(f.name ? { name: f.name } : {}),
    ...(f.mode ? { mode: f.mode } : {}),
    ...(f.concurrency ? { concurrency: f.concurrency } : {}),
    ...(f.template ? { template: await readJsonFile(f.template, '--template') } : {}),
    ...(f.quietHours ? { quietHours: f.quietHours } : {}),
    ...(f.deadline ? { deadline: f.deadline } : {}),
    ...(budget !== undefined ? { budget } : {}),
    ...(f.onBudget ? { onBudget: f.onBudget } : {}),
    ...(f.tenant ? { tenant: f.tenant } : {}),
    ...(f.chunkSize ? { chunkSize: f.chunkSize } : {}),
    ...(f.id ? { jobId: f.id } : {}),
  };
}

/** The paged engine for .jsonl/.csv files, paged-only flags, or a prompt file longer than the inline engine takes. */
function wantsPaged(file: string, f: BatchFlags, inline: () => unknown): boolean {
  if (formatOfFileName(file) !== 'lines' || PAGED_ONLY.some((k) => f[k] !== undefined)) return true;
  if (file.endsWith('.json')) return false;
  try {
    inline();
    return false;
  } catch (err) {
    return err instanceof BatchSpecError && err.issues.some((i) => i.rule === 'too-many-items');
  }
}

function registerStart(batch: Command, ctx: CliContext): void {
  withPagedFlags(
    batch
      .command('start', { isDefault: true })
      .description('start a batch from a prompt file, JSON Lines (.jsonl), CSV (.csv) or a JSON batch spec')
      .argument('<file>')
      .option('--id <batchId>', 'your own batch id (idempotency key)')
      .option('--wait', 'wait for the report (inline engine)')
  ).action(async (file: string, f: BatchFlags) => {
    const spec = await readBatchFile(file, 'prompt-file');
    const specOpts = { mode: f.mode, concurrency: f.concurrency, name: f.name };
    if (typeof spec !== 'string' || !wantsPaged(file, f, () => parseBatchSpec(spec, specOpts))) {
      const jobs = await ctx.client();
      const h = await jobs.batch(spec, { ...specOpts, jobId: f.id });
      await report(ctx, h, f.wait, describeBatch);
      return;
    }
    const opts = await pagedOptions(file, f);
    const jobs = await ctx.client();
    const s = await jobs.batches.start(spec, opts);
    ctx.print({ ...s, engine: 'paged' }, () =>
      [`${s.alreadyStarted ? 'already started' : 'started'}: ${s.batchId}`, describeEstimate(s.estimate)].join('\n')
    );
  });
}

function registerControl(batch: Command, ctx: CliContext): void {
  batch
    .command('estimate')
    .description('the cost of a batch at the configured prices; starts nothing')
    .argument('<file>')
    .option('--mode <mode>', 'speed mode', parseMode)
    .option('--template <pipeline.json>', 'a pipeline per item')
    .action(async (file: string, f: BatchFlags) => {
      const text = await readInputFile(file, 'file');
      const opts = await pagedOptions(file, f);
      const e = (await ctx.client()).batches.estimate(text, opts);
      ctx.print({ estimate: e }, () => describeEstimate(e));
    });
  batch
    .command('status')
    .description('one line: done / failed / running / waiting, rate, ETA, deadline')
    .argument('<batchId>')
    .action(async (id: string) => {
      const p = await (await ctx.client()).batches.progress(id);
      ctx.print({ progress: p }, () => describeLiveBatch(p));
    });
  for (const [name, what] of [
    ['pause', 'running items finish; nothing new starts until resume'],
    ['resume', 'start items again'],
    ['cancel', 'cancel running items; the rest are listed as not started'],
  ] as const) {
    batch
      .command(name)
      .description(what)
      .argument('<batchId>')
      .action(async (id: string) => {
        await (await ctx.client()).batches[name](id);
        ctx.print({ batchId: id, [name]: true }, () => `${name}: ${id}`);
      });
  }
  batch
    .command('retry')
    .description('start the next attempt of an ended batch with only its failed items')
    .argument('<batchId>')
    .action(async (id: string) => {
      const s = await (await ctx.client()).batches.retryFailed(id);
      ctx.print({ ...s, retryOf: id }, () => `retrying ${s.estimate.items} failed items as ${s.batchId}`);
    });
}

function registerResults(batch: Command, ctx: CliContext): void {
  batch
    .command('results')
    .description('the manifest (JSON Lines, one line per item and image) of a paged batch')
    .argument('<batchId>')
    .option('--out <file>', 'write the manifest to a file instead of stdout')
    .option(
      '--files <dir>',
      'also write every stored file under its readable name <batch>/<item>/<step>-<branch>-<n>.png'
    )
    .action(async (id: string, f: { out?: string; files?: string }) => {
      const jobs = await ctx.client();
      const lines = await jobs.batches.manifest(id);
      const files = f.files ? await writeManifestFiles(jobs.store, lines, f.files) : undefined;
      if (f.out) await writeFile(f.out, manifestText(lines));
      if (ctx.json)
        ctx.print(
          { batchId: id, lines: f.out ? lines.length : lines, ...(files !== undefined ? { files } : {}) },
          () => ''
        );
      else if (!f.out) ctx.io.stdout.write(lines.length ? manifestText(lines) : '');
      if (f.out || files !== undefined)
        ctx.info(
          `${lines.length} lines${f.out ? ` in ${f.out}` : ''}${files !== undefined ? `, ${files} files in ${f.files}` : ''}`
        );
    });
}

/** `batch <file>` and `batch estimate|status|pause|resume|cancel|retry|results`. */
export function registerBatchCommand(program: Command, ctx: CliContext): void {
  const batch = program
    .command('batch')
    .description('batches: start, estimate, status, pause, resume, cancel, retry, results');
  registerStart(batch, ctx);
  registerControl(batch, ctx);
  registerResults(batch, ctx);
}
