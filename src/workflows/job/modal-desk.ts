/**
 * Modal input of a job: the update's validator and handler, asking a person before pressing a button that always
 * opens a modal, waiting for a person, and answering a MODAL child (on a fresh child when the old one aged or failed).
 */
import { isCancellation, type ApplicationFailure } from '@temporalio/workflow';
import { intentYields } from '../../mj/intents';
import { checkPromptParams } from '../../mj/params';
import { MAX_UPSTREAM_AUTH_RETRIES } from '../../shared/defaults';
import { durationToMs } from '../../shared/duration';
import { JOB_FAILURE, MODAL_INPUT_REJECTION } from '../../shared/failure-types';
import { checkModalInput, isAlwaysModal, modalNeeds } from '../../shared/modal-input-rule';
import { buttonTextsOf, intentText } from '../../shared/intent-text';
import { rejection } from '../../shared/rejection';
import { MJ_STATUS, MJ_TASK_ID } from '../../shared/search-attributes';
import type { ModalAck, ModalInput, TaskSnapshot } from '../../shared/types';
import { Backoff } from '../common/backoff';
import { classifySubmitFailure, jobFailure, upstreamAuthFailure, upstreamTaskFailure } from './failures';
import type { JobHost } from './host';
import { finished, ownerRef, pol, SUBMIT_BACKOFF, type EnterPhase, type JobStateView } from './job-state';
import { JOB_PATCH } from './patches';
import type { Poller } from './poller';
import type { ReadModel } from './read-model';
import type { Submitter } from './submitter';

const DEFAULT_MODAL_CHILD_MAX_AGE = '50m';

export class ModalDesk {
  constructor(
    private readonly s: JobStateView,
    private readonly host: JobHost,
    private readonly read: ReadModel,
    private readonly poller: Poller,
    private readonly submitter: Submitter,
    private readonly enter: EnterPhase
  ) {}

  /** The update validator: throws a structured rejection naming the field; records nothing. */
  validateModalInput(modal: ModalInput): void {
    const c = this.s.carry;
    const waiting = c.phase === 'waiting-input' || c.phase === 'waiting-modal';
    if (!waiting || c.modalInput !== undefined) {
      throw rejection(
        MODAL_INPUT_REJECTION.notWaiting,
        `the job (jobId) is not waiting for modal input (phase ${c.phase})`,
        {
          field: 'jobId',
          rule: 'not-waiting',
          phase: c.phase,
          ...(c.taskId ? { taskId: c.taskId } : {}),
        }
      );
    }
    const problem = checkModalInput(modal, this.s.intent);
    if (problem) {
      throw rejection(MODAL_INPUT_REJECTION.invalid, problem.message, {
        field: problem.field,
        rule: problem.rule,
        phase: c.phase,
        ...(c.taskId ? { taskId: c.taskId } : {}),
      });
    }
    this.checkModalPromptParams(modal);
  }

  /**
   * A person's modal prompt passes the parameter rules of src/mj/params as an imagine's does (a video's for a button
   * that makes a video), so a prompt MidJourney would refuse is rejected before the update is accepted. Validator
   * only: handlers and pre-supplied input keep their paths, so no history changes.
   */
  private checkModalPromptParams(modal: ModalInput): void {
    const intent = this.s.intent;
    if (modal.prompt === undefined) return;
    const stage = intent ? intentYields(intent) : undefined;
    const video = stage === 'video' || stage === 'video-upscale';
    const first = checkPromptParams(modal.prompt, { video }).problems[0];
    if (!first) return;
    const c = this.s.carry;
    throw rejection(
      MODAL_INPUT_REJECTION.invalid,
      `prompt parameter ${first.message} [${first.rule}; ${first.source}]`,
      {
        field: 'prompt',
        rule: first.rule,
        param: first.param,
        phase: c.phase,
        ...(c.taskId ? { taskId: c.taskId } : {}),
      }
    );
  }

  /**
   * Whether a person's input can be taken now (what the validator checks: waiting, no input pending), or never will
   * be (the job ended).
   */
  canTakeModalInput(): boolean {
    const c = this.s.carry;
    const waiting = c.phase === 'waiting-input' || c.phase === 'waiting-modal';
    return (waiting && c.modalInput === undefined) || finished(this.s);
  }

  /** The update handler: completes once the upstream took the modal submit, or with the reason it did not. */
  async provideModalInput(modal: ModalInput): Promise<ModalAck> {
    const s = this.s;
    // Live, the validator has just accepted the input, so this wait ends at once. On replay validators do not run, and
    // sdk-core may hand the update over before a result delivered in the same workflow task (the refusal that cleared
    // an earlier input, as seen for pipelines' step input): taken then, the input would be cleared by that refusal and
    // the modal submit the history holds never scheduled. So the handler waits for the state the validator saw.
    await this.host.condition(() => this.canTakeModalInput());
    const attempt = ++s.modalAttempt;
    s.carry.modalInput = modal;
    s.modalSource = 'person';
    await this.host.condition(() => s.modalOutcome?.attempt === attempt || finished(s));
    const outcome = s.modalOutcome?.attempt === attempt ? s.modalOutcome : undefined;
    if (outcome?.ack) return outcome.ack;
    const phase = s.carry.phase;
    throw (
      outcome?.error ??
      rejection(
        s.failure?.type ?? MODAL_INPUT_REJECTION.notWaiting,
        `job ended before the modal input was submitted (${phase}${s.failure ? `: ${s.failure.message}` : ''})`,
        { field: 'jobId', rule: 'not-waiting', phase }
      )
    );
  }

  /** Nothing is pressed upstream yet and the intent needs input nobody gave: a person is asked first. */
  mustAskFirst(): boolean {
    const c = this.s.carry;
    return !c.taskId && isAlwaysModal(this.s.intent) && c.modalInput === undefined;
  }

  async askFirst(): Promise<void> {
    await this.checkParentOffersButton();
    await this.waitForPerson('waiting-input');
  }

  /**
   * Before a person is asked for input, the parent must offer the button: nobody should paint a mask for a Vary
   * (Region) that a grid does not have. A parent that cannot be read now is left to the submit, which knows how to
   * wait for a just-finished parent and how to fail for one the upstream does not know.
   */
  private async checkParentOffersButton(): Promise<void> {
    const { request, intent } = this.s;
    if (request.kind !== 'action' || !intent) return;
    const parentTaskId = request.parentTaskId;
    let parent: TaskSnapshot;
    try {
      const upstreamId = request.upstreamId;
      parent = await this.host.activities.fetchTask({ taskId: parentTaskId, ...(upstreamId ? { upstreamId } : {}) });
    } catch (err) {
      if (isCancellation(err)) throw err;
      return;
    }
    if (parent.status !== 'SUCCESS') return;
    const wanted = intentText(intent);
    const offered = parent.buttons.map((b) => intentText(b.intent));
    if (buttonTextsOf(intent).some((t) => offered.includes(t))) return;
    throw jobFailure(
      JOB_FAILURE.buttonNotFound,
      `task ${parentTaskId} has no ${wanted} button; available: ${offered.join(', ') || 'none'}`,
      { field: 'intent', rule: 'button-exists', phase: this.s.carry.phase, taskId: parentTaskId }
    );
  }

  /** Input given with the request is checked before anything is pressed upstream. */
  checkPresuppliedInput(): void {
    const given = this.s.input.modal;
    if (given === undefined || this.s.carry.taskId !== undefined) return;
    const problem = checkModalInput(given, this.s.intent);
    if (problem) {
      throw jobFailure(JOB_FAILURE.validation, `pre-supplied modal input: ${problem.message}`, {
        field: problem.field === 'modal' ? 'modal' : `modal.${problem.field}`,
        rule: problem.rule,
        phase: this.s.carry.phase,
      });
    }
  }

  /**
   * Waits for a person: before anything is pressed upstream (`waiting-input`), or on an upstream MODAL nobody
   * asked for (`waiting-modal`). Ends with `modalInput` set, or throws `ModalExpired` after `modalTimeout`.
   */
  async waitForPerson(phase: 'waiting-input' | 'waiting-modal'): Promise<void> {
    const s = this.s;
    const c = s.carry;
    const since = this.host.now();
    const modalMs = pol(s).modalMs;
    const expiresAt = modalMs === undefined ? undefined : since + modalMs;
    this.enter(phase);
    c.timings.modalSince = since;
    s.waitingFor = {
      kind: 'modal',
      ...(phase === 'waiting-modal' && c.taskId ? { taskId: c.taskId } : {}),
      intent: s.intent,
      since,
      expiresAt,
      needs: modalNeeds(s.intent),
    };
    this.read.upsertKeywords([[MJ_STATUS, 'MODAL']]);
    await this.read.publish();
    const given = () => c.modalInput !== undefined;
    const answered =
      expiresAt === undefined
        ? await this.host.condition(given)
        : await this.host.condition(given, Math.max(1, expiresAt - this.host.now()));
    if (!answered) {
      const on = c.taskId ? ` task ${c.taskId}` : ` ${phase}`;
      throw jobFailure(JOB_FAILURE.modalExpired, `nobody answered MODAL${on} in time`, {
        ...(c.taskId ? { taskId: c.taskId } : {}),
        phase,
      });
    }
    if (phase === 'waiting-modal') c.modalWaitedMs += this.host.now() - since;
    s.waitingFor = undefined;
  }

  /**
   * Answers the MODAL child in `taskId`: with input given in advance or by a person at once; with the task's own
   * prompt under `remix: 'auto'`; else after a person answered, on a fresh child if the old one aged or failed.
   */
  async answerModal(): Promise<void> {
    const s = this.s;
    const c = s.carry;
    for (;;) {
      if (c.modalInput === undefined && s.input.remix === 'auto') await this.autoRemixInput();
      if (c.modalInput === undefined) {
        await this.waitForPerson('waiting-modal');
        await this.freshChild();
      }
      if (!s.modalPending) return;
      const attempt = s.modalAttempt;
      const childId = c.taskId as string;
      const refused = await this.submitModalInput(childId, c.modalInput as ModalInput);
      if (!refused) {
        s.modalOutcome = { attempt, ack: { taskId: c.taskId as string, accepted: true } };
        break;
      }
      if (s.modalSource !== 'person') throw refused;
      // A person can correct the input: report why on their update and keep waiting.
      s.modalOutcome = { attempt, error: refused };
      c.modalInput = undefined;
    }
    c.modalSubmittedFor = c.taskId;
    s.modalPending = false;
    s.modalChildSince = undefined;
    s.waitingFor = undefined;
    c.queuedSince = this.host.now();
    c.intervalMs = pol(s).initialMs;
    this.enter('queued');
    await this.read.publish();
  }

  /** `remix: 'auto'`: the child's own final prompt (what MidJourney would prefill), when it has one. */
  private async autoRemixInput(): Promise<void> {
    const r = await this.poller.fetchOnce();
    const prompt = typeof r === 'object' ? r.finalPrompt || r.prompt : '';
    if (prompt && prompt.trim()) {
      this.s.carry.modalInput = { prompt };
      this.s.modalSource = 'auto';
    }
  }

  /**
   * After a person answered an unasked MODAL, makes sure the child in `taskId` can take the input. A child that
   * FAILED, vanished or is older than `modalChildMaxAge` is replaced by pressing the parent's button again (a new
   * state key); the input is then submitted on the new child at once. Clears `modalPending` when there is nothing
   * to submit on (the child moved on, or the new press did not park in MODAL): the job polls on.
   */
  private async freshChild(): Promise<void> {
    const s = this.s;
    const c = s.carry;
    const maxAgeMs = durationToMs(s.input.policy?.modalChildMaxAge ?? DEFAULT_MODAL_CHILD_MAX_AGE);
    const age = this.host.now() - (s.modalChildSince ?? this.host.now());
    const r = await this.poller.fetchOnce();
    if (typeof r === 'object') this.poller.observe(r);
    const usable = typeof r === 'object' ? r.status === 'MODAL' : r === 'unavailable' || r === 'not-yet-known';
    if (usable && age <= maxAgeMs) return;
    if (typeof r === 'object' && r.status !== 'MODAL' && r.status !== 'FAILURE') {
      // Answered elsewhere (another client of the proxy): nothing to submit, poll on.
      s.modalPending = false;
      c.modalSubmittedFor = c.taskId;
      this.enter('queued');
      s.modalOutcome = {
        attempt: s.modalAttempt,
        error: rejection(MODAL_INPUT_REJECTION.notWaiting, `MODAL task ${c.taskId} was answered elsewhere`, {
          field: 'jobId',
          rule: 'not-waiting',
          phase: c.phase,
          taskId: c.taskId,
        }),
      };
      return;
    }
    if (s.request.kind !== 'action') {
      if (typeof r === 'object') throw upstreamTaskFailure(r);
      throw jobFailure(JOB_FAILURE.modalExpired, `MODAL task ${c.taskId} is gone and cannot be pressed again`, {
        taskId: c.taskId,
      });
    }
    c.step++;
    s.modalPending = false;
    s.modalChildSince = undefined;
    await this.submitter.submit();
  }

  /** Null once the proxy took the input; the failure to report when the input itself was refused. */
  private async submitModalInput(childId: string, modal: ModalInput): Promise<ApplicationFailure | null> {
    const s = this.s;
    const c = s.carry;
    const backoff = new Backoff(SUBMIT_BACKOFF, this.host.now() + pol(s).queuedMs, this.host);
    let upstreamAuthRetries = 0;
    for (;;) {
      try {
        c.submits++;
        const done = await this.host.activities.submitModal({
          taskId: childId,
          input: modal,
          mode: s.mode,
          ...ownerRef(s),
        });
        if (done.taskId && done.taskId !== childId) {
          c.taskId = done.taskId;
          this.read.upsertKeywords([[MJ_TASK_ID, done.taskId]]);
        }
        return null;
      } catch (err) {
        if (isCancellation(err)) throw err;
        const f = classifySubmitFailure(err);
        if (f.kind === 'terminal') {
          if (f.type === JOB_FAILURE.validation || f.type === JOB_FAILURE.bannedPrompt) {
            const rule = f.type === JOB_FAILURE.bannedPrompt ? 'banned' : 'upstream-rejected';
            return rejection(f.type, f.message, { field: 'prompt', rule, phase: c.phase, taskId: childId });
          }
          throw jobFailure(f.type, f.message, { code: f.code, taskId: childId });
        }
        if (
          f.kind === 'upstream-auth' &&
          this.host.patched(JOB_PATCH.upstreamAuthBounded) &&
          ++upstreamAuthRetries > MAX_UPSTREAM_AUTH_RETRIES
        ) {
          throw upstreamAuthFailure(c.phase, upstreamAuthRetries, f.message, childId);
        }
        if (f.kind === 'outcome-unknown') {
          // The child leaves MODAL once the proxy takes the input, so its status settles the question.
          const r = await this.poller.fetchOnce();
          if (typeof r === 'object' && r.status !== 'MODAL') return null;
        }
        const waitMs = backoff.next(f.kind === 'back-pressure' ? f.retryAfterMs : undefined);
        if (waitMs === undefined) {
          throw jobFailure(JOB_FAILURE.deadlineExceeded, `modal submit did not get through: ${f.message}`, {
            taskId: childId,
          });
        }
        await this.host.sleep(waitMs);
      }
    }
  }
}
