/**
 * Pipeline pages and inbox entries from the pipeline's progress query and its input. Pure.
 *
 * A waiting branch is answered about its parent's image (the upscale a Vary (Region) repaints, the grid a pick
 * chooses from); the parent is the branch of the step's `from` step that this branch continues.
 */
import type { BranchProgress, PipelineInput, PipelineProgress } from '../shared/pipeline-types';
import type { BranchView, InboxItem, PipelineView } from './backend';
import { executionState, type ExecutionFacts } from './job-view';

export function pipelineView(f: ExecutionFacts, p: PipelineProgress | undefined, input?: PipelineInput): PipelineView {
  const items = p ? pipelineInboxItems(f, p, input) : [];
  const waitingKey = (step: string, branch: string): InboxItem | undefined =>
    items.find((i) => i.step === step && i.branch === branch);
  const waiting = f.executionStatus === 'RUNNING' && items.length > 0;
  return {
    id: f.id,
    name: p?.name ?? input?.name ?? f.id,
    state: waiting ? 'waiting' : executionState(f.executionStatus),
    steps: (p?.steps ?? []).map((s) => ({
      step: s.step,
      kind: input?.steps.find((d) => d.id === s.step)?.kind ?? s.kind,
      branches: s.branches.map((b): BranchView => ({
        branch: b.branch,
        status: b.status,
        jobId: b.jobId,
        intent: b.intent,
        taskId: b.taskId,
        failure: b.failure?.message,
        waiting: waitingKey(s.step, b.branch),
      })),
    })),
  };
}

/** Every branch of the pipeline that waits for a person. */
export function pipelineInboxItems(f: ExecutionFacts, p: PipelineProgress, input?: PipelineInput): InboxItem[] {
  const out: InboxItem[] = [];
  for (const s of p.steps) {
    for (const b of s.branches) {
      if (b.status !== 'waiting-input' || !b.waitingFor) continue;
      const parent = parentJobId(p, input, s.step, b.branch);
      const w = b.waitingFor;
      const base = {
        targetId: f.id,
        step: s.step,
        branch: b.branch,
        since: f.startTime,
        imageJobId: parent,
        title: `${p.name} · ${s.step} · ${b.branch}`,
      };
      if (w.kind === 'modal') out.push({ ...base, kind: 'modal', needs: w.needs, intent: w.intent ?? b.intent });
      else if (w.kind === 'choice') out.push({ ...base, kind: 'choice', needs: [], choices: w.choices });
      else out.push({ ...base, kind: 'prompt-pick', needs: [], prompts: w.prompts });
    }
  }
  return out;
}

/** The job id of the branch that `branch` of `step` continues, when the pipeline's input tells it. */
export function parentJobId(
  p: PipelineProgress,
  input: PipelineInput | undefined,
  step: string,
  branch: string
): string | undefined {
  const def = input?.steps.find((d) => d.id === step);
  if (!def) return undefined;
  const from = def.kind === 'entry' ? def.promptFrom?.step : def.from;
  const parents: BranchProgress[] = p.steps.find((s) => s.step === from)?.branches ?? [];
  const found =
    parents.find((x) => x.branch === branch) ??
    parents.find((x) => branch.startsWith(`${x.branch}.`)) ??
    parents.find((x) => x.branch === 'main');
  return found?.jobId;
}
