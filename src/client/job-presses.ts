/**
 * Pressing a button of a finished job (`MjJobsClient.action`) and listing what its presses started
 * (`MjJobsClient.children`): the intent checked, the input given with the press checked by the job's own rule, the
 * parent resolved, and the press planned (lineage, paid once) before anything starts.
 */
import type { Client } from '@temporalio/client';
import { parseIntent } from '../mj/buttons';
import { MjInputError } from '../mj/errors';
import type { IntentSpec } from '../mj/types';
import { followUpRequest } from '../job-start/follow-up';
import { checkModalInput } from '../shared/modal-input-rule';
import type { ModalInput } from '../shared/types';
import type { ImageInputs } from './image-input';
import { resolveJobId } from './job-ids';
import type { JobStarter } from './job-starter';
import { listChildren } from './list';
import type { ActionOptions, JobChildRow, JobHandle, ModalInputArg } from './options';
import { resolveParentJob, type ParentTask } from './parent';
import { pressPlan } from './press';
import { checkId, checkStartOptions } from './validation';

export class JobPresses {
  constructor(
    private readonly client: Client,
    private readonly inputs: ImageInputs,
    private readonly starts: JobStarter
  ) {}

  /** `MjJobsClient.action`: presses `intent` on the job `jobId` (or on an upstream task, `parentOrigin: 'external'`). */
  async press(jobId: string, intent: string | IntentSpec, opts: ActionOptions): Promise<JobHandle> {
    const origin = opts.parentOrigin ?? 'job';
    if (origin !== 'job' && origin !== 'external') throw new MjInputError('parentOrigin', 'must be job or external');
    checkId(jobId, origin === 'job' ? 'jobId' : 'taskId');
    const spec = typeof intent === 'string' ? parseIntent(intent) : intent;
    if (typeof spec !== 'object' || spec === null || typeof spec.kind !== 'string') {
      throw new MjInputError('intent', 'must be an intent string (e.g. "U2") or an IntentSpec');
    }
    checkStartOptions(opts);
    const modal = opts.modal ? await this.presuppliedModal(opts.modal, spec) : undefined;
    const parent: ParentTask = origin === 'job' ? await resolveParentJob(this.client, jobId, spec) : { taskId: jobId };
    const press = pressPlan(parent, spec, opts);
    return this.starts.job(
      followUpRequest(parent, spec, {
        enableRemix: opts.enableRemix,
        ...(origin === 'external' ? { parentOrigin: 'external' as const } : {}),
      }),
      { ...opts, mode: opts.mode ?? parent.mode },
      modal,
      press
    );
  }

  /** `MjJobsClient.children`: the jobs started by pressing a button of `jobId` (`MjParentJob`), newest first. */
  async children(jobId: string, limit: number | undefined): Promise<JobChildRow[]> {
    return listChildren(this.client, await resolveJobId(this.client, checkId(jobId)), limit);
  }

  /** Modal input given with the press, checked by the same rule the job applies, so a bad one starts nothing. */
  private async presuppliedModal(arg: ModalInputArg, intent: IntentSpec): Promise<ModalInput> {
    const modal = await this.inputs.modalInput(arg);
    const problem = checkModalInput(modal, intent);
    if (problem) {
      const field = problem.field === 'modal' ? 'modal' : `modal.${problem.field}`;
      throw new MjInputError(field, `is refused (${problem.rule}): ${problem.message}`);
    }
    return modal;
  }
}
