/**
 * Pipeline and batch files are refused at load when a prompt that makes images or a video breaks a parameter rule
 * (src/mj/params): the issue names the step's prompt path, rule `prompt-param`, the rule's id and its page.
 */
import { parseBatchSpec, parsePipelineSpec } from '../../../src/pipeline';
import type { SpecIssue } from '../../../src/shared/pipeline-types';
import { PROMPT_ROWS } from '../../fixtures/mj/prompt-params-table';

function issuesOf(parse: () => unknown): SpecIssue[] {
  try {
    parse();
  } catch (err) {
    return (err as { issues: SpecIssue[] }).issues;
  }
  return [];
}

const refused = PROMPT_ROWS.filter((r) => r.refused);
const passing = PROMPT_ROWS.filter((r) => !r.refused);

describe('pipeline files', () => {
  it.each(refused.map((r) => [r.prompt, r] as const))('refuses an imagine step with %s', (prompt, row) => {
    const issues = issuesOf(() => parsePipelineSpec({ name: 't', steps: [{ id: 'grid', imagine: { prompt } }] }));
    expect(issues).toEqual([
      {
        path: 'steps[0].imagine.prompt',
        rule: 'prompt-param',
        message: expect.stringContaining(`[${row.refused}; ${row.source}`) as string,
      },
    ]);
  });

  it.each(passing.map((r) => [r.prompt]))('loads an imagine step with %s', (prompt) => {
    expect(issuesOf(() => parsePipelineSpec({ name: 't', steps: [{ id: 'grid', imagine: { prompt } }] }))).toEqual([]);
  });

  it('checks edits and video prompts, a video without --video', () => {
    const image = { url: 'https://example.com/a.png' };
    const steps = [
      { id: 'e', edits: { prompt: 'x --oref https://example.com/o.png --v 6.1', image } },
      { id: 'v', video: { prompt: 'waves --motion high --bs 2', image } },
    ];
    expect(issuesOf(() => parsePipelineSpec({ name: 't', steps })).map((i) => [i.path, i.rule])).toEqual([
      ['steps[0].edits.prompt', 'prompt-param'],
    ]);
  });
});

describe('the niji bot', () => {
  // `--draft` is a V7 mode: a prompt naming no model passes on the MidJourney bot, but the niji bot runs niji only.
  const steps = (botType?: 'MID_JOURNEY' | 'NIJI_JOURNEY') => [
    { id: 'grid', imagine: { prompt: 'a cat --draft', ...(botType ? { botType } : {}) } },
  ];

  it('checks an imagine step on the niji bot against the niji versions', () => {
    const issues = issuesOf(() => parsePipelineSpec({ name: 't', steps: steps('NIJI_JOURNEY') }));
    expect(issues.map((i) => [i.path, i.rule])).toEqual([['steps[0].imagine.prompt', 'prompt-param']]);
    expect(issues[0]!.message).toContain('--draft');
    expect(issues[0]!.message).toContain('draft-version');
  });

  it('leaves a prompt that names its model, and the MidJourney bot, as they were', () => {
    expect(issuesOf(() => parsePipelineSpec({ name: 't', steps: steps('MID_JOURNEY') }))).toEqual([]);
    expect(issuesOf(() => parsePipelineSpec({ name: 't', steps: steps() }))).toEqual([]);
    const named = [{ id: 'grid', imagine: { prompt: 'a cat --draft --v 7', botType: 'NIJI_JOURNEY' } }];
    expect(issuesOf(() => parsePipelineSpec({ name: 't', steps: named }))).toEqual([]);
  });

  it('checks a batch item on the niji bot too', () => {
    const items = [{ request: { kind: 'imagine', prompt: 'a cat --draft', botType: 'NIJI_JOURNEY' } }];
    const issues = issuesOf(() => parseBatchSpec({ name: 'b', items }));
    expect(issues.map((i) => i.rule)).toEqual(['prompt-param']);
    expect(issues[0]!.path).toBe('items[0].request.prompt');
  });
});

describe('batch files', () => {
  it('refuses a prompt line that breaks a rule, naming the line', () => {
    const issues = issuesOf(() => parseBatchSpec('a cat --v 7\na cat --chaos 200\n'));
    expect(issues.map((i) => [i.path, i.rule])).toEqual([['line 2', 'prompt-param']]);
    expect(issues[0]!.message).toContain('chaos-range');
  });
});
