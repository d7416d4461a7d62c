import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parsePipelineSpec, PipelineSpecError } from '../../../src/pipeline';
import { MAX_PIPELINE_BRANCHES, MAX_PROMPT_LENGTH } from '../../../src/shared/defaults';
import type { PipelineInput, SpecIssue } from '../../../src/shared/pipeline-types';

const EXAMPLES = path.resolve(__dirname, '../../../examples');
const PNG_MASK = { key: 'masks/ab.png', sha256: 'a'.repeat(64), size: 1234, contentType: 'image/png' };

function issuesOf(spec: unknown): SpecIssue[] {
  try {
    parsePipelineSpec(spec);
  } catch (err) {
    expect(err).toBeInstanceOf(PipelineSpecError);
    expect((err as PipelineSpecError).code).toBe('PIPELINE_INVALID');
    return (err as PipelineSpecError).issues;
  }
  throw new Error('expected the spec to be rejected');
}

function pipeline(steps: unknown[]): unknown {
  return { name: 't', steps };
}

const grid = { id: 'grid', imagine: { prompt: 'a cute cat --v 7' } };

describe('parsePipelineSpec: the example', () => {
  it('normalises examples/cat-pipeline.json', () => {
    const spec = JSON.parse(readFileSync(path.join(EXAMPLES, 'cat-pipeline.json'), 'utf8')) as unknown;
    const expected: PipelineInput = {
      name: 'cat',
      mode: 'FAST',
      steps: [
        { id: 'grid', kind: 'entry', request: { kind: 'imagine', prompt: 'a cute cat --v 7' } },
        {
          id: 'ups',
          kind: 'action',
          from: 'grid',
          input: { kind: 'none' },
          intents: [1, 2, 3, 4].map((index) => ({
            label: `U${index}`,
            intent: { kind: 'upscale', index: index as 1 | 2 | 3 | 4 },
            alwaysModal: false,
            needs: [],
          })),
        },
        {
          id: 'zoom',
          kind: 'action',
          from: 'ups',
          input: { kind: 'none' },
          intents: [{ label: 'zoom-out-2', intent: { kind: 'zoom-out', factor: 2 }, alwaysModal: false, needs: [] }],
        },
        {
          id: 'region',
          kind: 'action',
          from: 'ups',
          branches: ['U2'],
          input: { kind: 'ask' },
          intents: [
            { label: 'vary-region', intent: { kind: 'vary-region' }, alwaysModal: true, needs: ['prompt', 'mask'] },
          ],
        },
      ],
    };
    expect(parsePipelineSpec(spec)).toEqual(expected);
    // The same file as JSON text.
    expect(parsePipelineSpec(JSON.stringify(spec))).toEqual(expected);
  });

  it('parses the describe → pick → imagine example', () => {
    const spec = JSON.parse(readFileSync(path.join(EXAMPLES, 'describe-pick-pipeline.json'), 'utf8')) as unknown;
    const out = parsePipelineSpec(spec);
    expect(out.steps[1]).toEqual({
      id: 'grid',
      kind: 'entry',
      request: { kind: 'imagine', prompt: '--v 7' },
      promptFrom: { step: 'desc', pick: 'ask' },
    });
    expect(out.steps[2]).toMatchObject({
      kind: 'pick',
      from: 'grid',
      choices: [{ label: 'U1' }, {}, {}, { label: 'U4' }],
    });
  });

  it('accepts intents in every form parseIntent knows, and branch filters in any case', () => {
    const out = parsePipelineSpec(
      pipeline([
        grid,
        { id: 'ups', from: 'grid', action: ['upscale 1', 'U2'] },
        { id: 'more', from: 'ups', branch: ['u2'], action: ['zoom out 1.5', 'pan left'] },
      ])
    );
    expect(out.steps[1]).toMatchObject({ intents: [{ label: 'U1' }, { label: 'U2' }] });
    expect(out.steps[2]).toMatchObject({
      branches: ['U2'],
      intents: [{ label: 'zoom-out-1.5' }, { label: 'pan-left', intent: { kind: 'pan', direction: 'left' } }],
    });
  });

  it('keeps modal input given in the file, so vary-region does not wait', () => {
    const out = parsePipelineSpec(
      pipeline([
        grid,
        { id: 'up', from: 'grid', action: 'U2' },
        { id: 'r', from: 'up', action: 'vary-region', input: { prompt: ' a hat ', mask: PNG_MASK } },
      ])
    );
    expect(out.steps[2]).toMatchObject({ input: { kind: 'given', modal: { prompt: 'a hat', mask: PNG_MASK } } });
  });
});

describe('parsePipelineSpec: every rule names the field', () => {
  it.each([
    ['an empty prompt', { id: 'a', imagine: { prompt: '   ' } }, 'steps[0].imagine.prompt', 'prompt-empty'],
    [
      'an over-long prompt',
      { id: 'a', imagine: { prompt: 'x'.repeat(MAX_PROMPT_LENGTH + 1) } },
      'steps[0].imagine.prompt',
      'prompt-too-long',
    ],
    ['an imagine without prompt', { id: 'a', imagine: {} }, 'steps[0].imagine.prompt', 'prompt-empty'],
    [
      'blend with 1 image',
      { id: 'b', blend: { images: [{ url: 'https://x/1.png' }] } },
      'steps[0].blend.images',
      'blend-image-count',
    ],
    [
      'blend with 6 images',
      { id: 'b', blend: { images: [1, 2, 3, 4, 5, 6].map((n) => ({ url: `https://x/${n}.png` })) } },
      'steps[0].blend.images',
      'blend-image-count',
    ],
    ['a bad step id', { id: '9 lives', imagine: { prompt: 'cat' } }, 'steps[0].id', 'schema'],
    ['an unknown key', { id: 'a', imagine: { prompt: 'cat' }, acton: 'U1' }, 'steps[0]', 'schema'],
    [
      'two kinds in one step',
      { id: 'a', imagine: { prompt: 'cat' }, shorten: { prompt: 'cat' } },
      'steps[0]',
      'step-kind',
    ],
    ['no kind at all', { id: 'a' }, 'steps[0]', 'step-kind'],
  ])('%s', (_what, step, field, rule) => {
    expect(issuesOf(pipeline([step]))).toContainEqual(expect.objectContaining({ path: field, rule }));
  });

  it('an unknown intent, at its list index', () => {
    const issues = issuesOf(pipeline([grid, { id: 'ups', from: 'grid', action: ['U1', 'sparkle 3'] }]));
    expect(issues).toEqual([expect.objectContaining({ path: 'steps[1].action[1]', rule: 'unknown-intent' })]);
    expect(issues[0]!.message).toMatch(/sparkle 3/);
  });

  it('an intent that creates no single task', () => {
    expect(issuesOf(pipeline([grid, { id: 'b', from: 'grid', action: 'bookmark' }]))).toEqual([
      expect.objectContaining({ path: 'steps[1].action', rule: 'intent-not-supported' }),
    ]);
  });

  it('the same intent twice in a step', () => {
    expect(issuesOf(pipeline([grid, { id: 'u', from: 'grid', action: ['U1', 'upscale 1'] }]))).toEqual([
      expect.objectContaining({ path: 'steps[1].action', rule: 'duplicate-intent' }),
    ]);
  });

  it('a reference to a missing step', () => {
    expect(issuesOf(pipeline([grid, { id: 'ups', from: 'gird', action: 'U1' }]))).toEqual([
      expect.objectContaining({ path: 'steps[1].from', rule: 'missing-step', message: expect.stringMatching(/gird/) }),
    ]);
  });

  it('a missing promptFrom step', () => {
    expect(issuesOf(pipeline([{ id: 'g', promptFrom: { step: 'desc', pick: 1 }, imagine: {} }]))).toEqual([
      expect.objectContaining({ path: 'steps[0].promptFrom.step', rule: 'missing-step' }),
    ]);
  });

  it('a cycle, reported once with its path', () => {
    const issues = issuesOf(
      pipeline([
        grid,
        { id: 'a', from: 'b', action: 'U1' },
        { id: 'b', from: 'c', action: 'U1' },
        { id: 'c', from: 'a', action: 'U1' },
      ])
    );
    expect(issues).toEqual([
      expect.objectContaining({
        path: 'steps[1].from',
        rule: 'cycle',
        message: expect.stringContaining('a → b → c → a'),
      }),
    ]);
  });

  it('a step that depends on itself', () => {
    expect(issuesOf(pipeline([{ id: 'a', from: 'a', action: 'U1' }]))).toEqual([
      expect.objectContaining({ path: 'steps[0].from', rule: 'cycle' }),
    ]);
  });

  it('duplicate step ids', () => {
    expect(issuesOf(pipeline([grid, { ...grid }]))).toEqual([
      expect.objectContaining({
        path: 'steps[1].id',
        rule: 'duplicate-step-id',
        message: expect.stringMatching(/steps\[0\]/),
      }),
    ]);
  });

  it('a mask that is not a PNG', () => {
    const issues = issuesOf(
      pipeline([
        grid,
        { id: 'up', from: 'grid', action: 'U2' },
        {
          id: 'r',
          from: 'up',
          action: 'vary-region',
          input: { prompt: 'hat', mask: { ...PNG_MASK, contentType: 'image/jpeg' } },
        },
      ])
    );
    expect(issues).toEqual([
      expect.objectContaining({ path: 'steps[2].input.mask.contentType', rule: 'mask-not-png' }),
    ]);
  });

  it('a mask with a .jpg key', () => {
    const issues = issuesOf(
      pipeline([grid, { id: 'r', from: 'grid', action: 'U1', input: { mask: { ...PNG_MASK, key: 'masks/ab.jpg' } } }])
    );
    expect(issues).toEqual([expect.objectContaining({ path: 'steps[1].input.mask.key', rule: 'mask-not-png' })]);
  });

  it('a mask given inline instead of as a stored asset', () => {
    const issues = issuesOf(
      pipeline([grid, { id: 'r', from: 'grid', action: 'U1', input: { mask: 'data:image/png;base64,iVBORw0KGgo=' } }])
    );
    expect(issues).toEqual([expect.objectContaining({ path: 'steps[1].input.mask', rule: 'mask-not-asset' })]);
  });

  it('vary-region with given input but no mask', () => {
    const issues = issuesOf(
      pipeline([
        grid,
        { id: 'up', from: 'grid', action: 'U1' },
        { id: 'r', from: 'up', action: 'vary-region', input: { prompt: 'x' } },
      ])
    );
    expect(issues).toEqual([
      expect.objectContaining({
        path: 'steps[2].input',
        rule: 'input-incomplete',
        message: expect.stringMatching(/mask/),
      }),
    ]);
  });

  it('custom-zoom with given input whose prompt lacks --zoom (the job would refuse it)', () => {
    const issues = issuesOf(
      pipeline([
        grid,
        { id: 'up', from: 'grid', action: 'U1' },
        { id: 'cz', from: 'up', action: 'custom-zoom', input: { prompt: 'a cat --ar 1:1' } },
      ])
    );
    expect(issues).toEqual([
      expect.objectContaining({
        path: 'steps[2].input',
        rule: 'input-incomplete',
        message: expect.stringMatching(/--zoom/),
      }),
    ]);
  });

  it('more than a sane number of branches', () => {
    const steps: unknown[] = [grid, { id: 's0', from: 'grid', action: ['U1', 'U2', 'U3', 'U4'] }];
    for (let i = 1; i <= 4; i++) steps.push({ id: `s${i}`, from: `s${i - 1}`, action: ['V1', 'V2', 'V3', 'V4'] });
    const issues = issuesOf(pipeline(steps));
    expect(issues).toEqual([
      expect.objectContaining({
        rule: 'too-many-branches',
        message: expect.stringContaining(String(MAX_PIPELINE_BRANCHES)),
      }),
    ]);
    expect(issues[0]!.path).toMatch(/^steps\[\d\]$/);
  });

  it('a branch filter naming a branch the parent does not have', () => {
    expect(
      issuesOf(
        pipeline([
          grid,
          { id: 'ups', from: 'grid', action: ['U1', 'U2'] },
          { id: 'z', from: 'ups', branch: 'U3', action: 'zoom-out 2' },
        ])
      )
    ).toEqual([
      expect.objectContaining({
        path: 'steps[2].branch',
        rule: 'unknown-branch',
        message: expect.stringContaining('U1, U2'),
      }),
    ]);
  });

  it('promptFrom pointing at a step that is not describe or shorten', () => {
    expect(issuesOf(pipeline([grid, { id: 'g2', promptFrom: { step: 'grid', pick: 1 }, imagine: {} }]))).toEqual([
      expect.objectContaining({ path: 'steps[1].promptFrom.step', rule: 'prompt-source' }),
    ]);
  });

  it('a pick step without choices, and keys that need "from"', () => {
    const issues = issuesOf(
      pipeline([
        { ...grid, branch: 'U1' },
        { id: 'p', from: 'grid', pick: 'ask' },
      ])
    );
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: 'steps[0].branch', rule: 'step-kind' }),
        expect.objectContaining({ path: 'steps[1].choices', rule: 'step-kind' }),
      ])
    );
  });

  it('top-level fields and an empty step list', () => {
    const issues = issuesOf({ name: '', mode: 'SLOW', steps: [] });
    expect(issues.map((i) => i.path).sort()).toEqual(['mode', 'name', 'steps']);
  });

  it('collects issues of several steps in one error', () => {
    const issues = issuesOf(
      pipeline([
        { id: 'a', imagine: { prompt: '' } },
        { id: 'b', from: 'nope', action: 'U1' },
        { id: 'c', blend: { images: [] } },
      ])
    );
    expect(issues.map((i) => `${i.path} ${i.rule}`)).toEqual(
      expect.arrayContaining([
        'steps[0].imagine.prompt prompt-empty',
        'steps[1].from missing-step',
        'steps[2].blend.images blend-image-count',
      ])
    );
  });

  it('reports invalid JSON text', () => {
    expect(issuesOf('{ "name": ')).toEqual([expect.objectContaining({ path: '', rule: 'schema' })]);
  });

  it('the error message lists the issues', () => {
    expect(() => parsePipelineSpec(pipeline([{ id: 'a', imagine: { prompt: '' } }]))).toThrow(
      /steps\[0\]\.imagine\.prompt: prompt is empty \[prompt-empty\]/
    );
  });
});
