/**
 * What an action started through the gateway takes as its prompt (the task's prompt, the MODAL's prefill, what a bare
 * `{taskId}` modal falls back to): a describe or shorten pick's chosen line, else the parent task's prompt as its task
 * JSON shows it (the upstream's words in `reported` before what the job sent).
 */
import { actionPrompt } from '../../../src/gateway/routes/action-routes';
import type { JobView } from '../../../src/gateway/tasks/gateway-memo';
import { viewTexts } from '../../../src/gateway/tasks/task-view';
import type { JobMemo } from '../../../src/shared/job-memo';

const PROMPTS = '1️⃣ a fox\n\n2️⃣ a hare\n\n3️⃣ a owl\n\n4️⃣ a cat';
const SHORTENED = '## Important words\na, fox\n\n## Shortened prompts\n1️⃣ a red fox\n\n2️⃣ fox';

function view(action: string, gatewayPrompt: string, job: Partial<JobMemo>): JobView {
  return {
    gateway: {
      v: 1,
      tenant: 'acme',
      taskId: '1712345678901123',
      action,
      submitTime: 1,
      prompt: gatewayPrompt,
      endpoint: 'x',
    },
    job: { v: 1, phase: 'succeeded', kind: 'describe', mode: 'FAST', submitTime: 1, action, ...job },
    execution: 'COMPLETED',
  };
}

describe('actionPrompt', () => {
  it("a describe or shorten pick takes the numbered prompt it picks from the parent's result", () => {
    const describe = view('DESCRIBE', '', { reported: { finalPrompt: PROMPTS } });
    expect(actionPrompt(describe, { kind: 'describe-pick', index: 2 })).toBe('a hare');
    const shorten = view('SHORTEN', 'a very red fox', { kind: 'shorten', reported: { finalPrompt: SHORTENED } });
    expect(actionPrompt(shorten, { kind: 'shorten-pick', index: 1 })).toBe('a red fox');
  });

  it("a pick the result has no line for, and any other action, take the parent's prompt", () => {
    const describe = view('DESCRIBE', '', { reported: { prompt: 'an image of a fox' } });
    expect(actionPrompt(describe, { kind: 'describe-pick', index: 3 })).toBe('an image of a fox');
    const upscale = view('UPSCALE', '', { kind: 'action', reported: { prompt: 'a fox --ar 3:2' } });
    expect(actionPrompt(upscale, { kind: 'vary-region' })).toBe('a fox --ar 3:2');
  });

  it('a modal with no prompt falls back to the prompt its task JSON shows', () => {
    const waiting = view('IMAGINE', 'a hare', { phase: 'waiting-input', kind: 'action' });
    expect(viewTexts(waiting).prompt).toBe('a hare');
    expect(viewTexts(view('IMAGINE', '', { phase: 'waiting-modal', reported: { prompt: 'a owl' } })).prompt).toBe(
      'a owl'
    );
  });
});
