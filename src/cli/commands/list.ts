import { Option, type Command } from 'commander';
import type { JobSummaryRow } from '../../client';
import type { SpeedMode } from '../../mj/types';
import type { CliContext } from '../context';
import { parseMode, parsePositiveInt } from '../flags';

interface ListFlags {
  status?: string;
  action?: string;
  mode?: SpeedMode;
  taskId?: string;
  running?: boolean;
  type: 'job' | 'pipeline' | 'batch';
  limit: number;
}

const WORKFLOW_TYPE = { job: 'mjJobWorkflow', pipeline: 'pipelineWorkflow', batch: 'batchWorkflow' } as const;

/** `list`: jobs by search attributes, newest first. */
export function registerListCommand(program: Command, ctx: CliContext): void {
  program
    .command('list')
    .description('list jobs by search attributes')
    .option('--status <status>', 'upstream status: SUBMITTED, IN_PROGRESS, MODAL, SUCCESS, FAILURE')
    .option('--action <action>', 'upstream action: IMAGINE, UPSCALE, …')
    .option('--mode <mode>', 'speed mode', parseMode)
    .option('--task-id <taskId>', 'upstream task id')
    .option('--running', 'only running workflows')
    .addOption(new Option('--type <type>', 'workflow kind').choices(['job', 'pipeline', 'batch']).default('job'))
    .option('--limit <n>', 'most rows', parsePositiveInt('--limit'), 50)
    .action(async (f: ListFlags) => {
      const jobs = await ctx.client();
      const rows = await jobs.list({
        status: f.status,
        action: f.action,
        mode: f.mode,
        taskId: f.taskId,
        executionStatus: f.running ? 'Running' : undefined,
        type: WORKFLOW_TYPE[f.type],
        limit: f.limit,
      });
      ctx.print({ jobs: rows }, () => (rows.length === 0 ? 'no jobs' : rows.map(formatRow).join('\n')));
    });
}

function formatRow(r: JobSummaryRow): string {
  const cells = [r.executionStatus.padEnd(10), (r.status ?? '-').padEnd(11), (r.action ?? '-').padEnd(10)];
  return `${r.jobId}  ${cells.join(' ')} ${r.mode ?? '-'}  ${r.startTime}`;
}
