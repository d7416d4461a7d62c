/**
 * `client.schedules`: Temporal Schedules that start batches (relax jobs overnight). The batch spec is validated when
 * the schedule is created, so a bad file fails at the prompt rather than at 2 am.
 */
import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError as TemporalScheduleNotFoundError,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleDescription,
} from '@temporalio/client';
import { MjInputError } from '../mj/errors';
import type { SpeedMode } from '../mj/types';
import { parseBatchSpec } from '../pipeline/batch';
import { WORKFLOW_ID_PREFIX } from '../shared/constants';
import { MJ_MODE } from '../shared/search-attributes';
import { ScheduleNotFoundError } from './errors';
import { checkMode } from './validation';

export interface ScheduleCreateOptions {
  /** Cron expression with 5 fields (`0 2 * * *` = 02:00 daily) or `@daily`, `@hourly`, … */
  cron: string;
  /** Prompt-file text (one prompt per line, `#` comments) or a batch spec object, as `batch()` takes it. */
  batch: unknown;
  /** Speed mode of the items that name none. @default 'RELAX' */
  mode?: SpeedMode;
  /** Most jobs at once per account × mode. @default the batch default */
  concurrency?: number;
  /** IANA time zone of the cron expression. @default 'UTC' */
  timezone?: string;
  /** Create paused. @default false */
  paused?: boolean;
}

export interface ScheduleSummary {
  scheduleId: string;
  cron?: string[];
  paused: boolean;
  /** ISO times of the next runs (none while paused). */
  nextRuns: string[];
  /** How many runs it has started recently. */
  recentRuns: number;
}

export interface CreatedSchedule {
  scheduleId: string;
  /** Prompts in each batch it starts. */
  items: number;
  nextRuns: string[];
}

const SCHEDULE_ID_RE = /^[\w.-]{1,100}$/;

export class MjSchedulesClient {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string
  ) {}

  /**
   * Creates a schedule that starts one batch per cron tick; a batch still running at the next tick skips it.
   * @example await mj.schedules.create('nightly', { cron: '0 2 * * *', batch: 'a fox\na hare\n' });
   */
  async create(scheduleId: string, opts: ScheduleCreateOptions): Promise<CreatedSchedule> {
    checkScheduleId(scheduleId);
    const cron = typeof opts.cron === 'string' ? opts.cron.trim() : '';
    if (cron.split(/\s+/).length < 5 && !cron.startsWith('@')) {
      throw new MjInputError('cron', 'must be a cron expression with 5 fields (or @daily, @hourly, …)');
    }
    const mode = checkMode(opts.mode) ?? 'RELAX';
    const input = parseBatchSpec(opts.batch, { mode, concurrency: opts.concurrency, name: scheduleId });
    try {
      await this.client.schedule.create({
        scheduleId,
        spec: { cronExpressions: [cron], timezone: opts.timezone ?? 'UTC' },
        action: {
          type: 'startWorkflow',
          // By type name: the client loads message definitions, never workflow code.
          workflowType: 'batchWorkflow',
          args: [input],
          taskQueue: this.taskQueue,
          // Temporal appends the scheduled time, so every run has its own id.
          workflowId: `${WORKFLOW_ID_PREFIX.batch}-${scheduleId}`,
          typedSearchAttributes: [{ key: MJ_MODE, value: input.mode ?? mode }],
        },
        // A batch still running when the next one is due: skip rather than pile up upstream slots.
        policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1h' },
        state: { paused: Boolean(opts.paused) },
      });
    } catch (err) {
      if (err instanceof ScheduleAlreadyRunning) throw new MjInputError('scheduleId', 'must be unused (it exists)');
      throw err;
    }
    const { nextRuns } = await this.describe(scheduleId);
    return { scheduleId, items: input.items.length, nextRuns };
  }

  /** Every schedule of the namespace. @example for (const s of await mj.schedules.list()) console.log(s.scheduleId); */
  async list(): Promise<ScheduleSummary[]> {
    const rows: ScheduleSummary[] = [];
    for await (const s of this.client.schedule.list()) {
      rows.push({
        scheduleId: s.scheduleId,
        cron: cronOf(s.spec),
        paused: s.state.paused,
        nextRuns: s.info.nextActionTimes.map((d) => d.toISOString()),
        recentRuns: s.info.recentActions.length,
      });
    }
    return rows;
  }

  /** One schedule; throws {@link ScheduleNotFoundError}. @example (await mj.schedules.describe('nightly')).nextRuns */
  async describe(scheduleId: string): Promise<ScheduleSummary> {
    checkScheduleId(scheduleId);
    const d: ScheduleDescription = await this.mapNotFound(scheduleId, () =>
      this.client.schedule.getHandle(scheduleId).describe()
    );
    return {
      scheduleId,
      cron: cronOf(d.spec),
      paused: d.state.paused,
      nextRuns: d.info.nextActionTimes.map((t) => t.toISOString()),
      recentRuns: d.info.recentActions.length,
    };
  }

  /** Deletes a schedule (running batches go on). @example await mj.schedules.delete('nightly'); */
  async delete(scheduleId: string): Promise<void> {
    checkScheduleId(scheduleId);
    await this.mapNotFound(scheduleId, () => this.client.schedule.getHandle(scheduleId).delete());
  }

  /** Starts a run now. @example await mj.schedules.trigger('nightly'); */
  async trigger(scheduleId: string): Promise<void> {
    checkScheduleId(scheduleId);
    await this.mapNotFound(scheduleId, () => this.client.schedule.getHandle(scheduleId).trigger());
  }

  private async mapNotFound<T>(scheduleId: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof TemporalScheduleNotFoundError) throw new ScheduleNotFoundError(scheduleId);
      throw err;
    }
  }
}

/** The cron expressions of a spec, when the server kept them as such (it may answer with calendars instead). */
function cronOf(spec: unknown): string[] | undefined {
  return (spec as { cronExpressions?: string[] } | undefined)?.cronExpressions;
}

function checkScheduleId(id: unknown): void {
  if (typeof id !== 'string' || !SCHEDULE_ID_RE.test(id)) {
    throw new MjInputError('scheduleId', 'must be 1-100 characters of [A-Za-z0-9_.-]');
  }
}
